"""The packing slip a customer puts in the return parcel: a one-page PDF in the customer's language.

The RMA in large type and as a QR code lets the shop match a parcel to its return at a glance.
Drawn with reportlab; the QR code with segno, drawn as vector squares so it prints sharp.
"""

import io
from xml.sax.saxutils import escape

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.l10n import format_day

from .eligibility import policy_for
from .labels.models import LabelSettings, Provider
from .models import Method, ReturnRequest


class QrCode(Flowable):
    """A QR code of `text`, `size` wide, drawn module by module."""

    def __init__(self, text: str, size: float):
        super().__init__()
        self.matrix = segno.make(text, error="m").matrix
        self.size = size
        self.width = self.height = size

    def draw(self):
        count = len(self.matrix)
        module = self.size / count
        self.canv.setFillColor(colors.black)
        for row_index, row in enumerate(self.matrix):
            for column, dark in enumerate(row):
                if dark:
                    y = self.size - (row_index + 1) * module
                    self.canv.rect(column * module, y, module, module, stroke=0, fill=1)


def dropoff_instructions(the_return: ReturnRequest, *, labels_offered: bool) -> list[str]:
    """What the customer does with the parcel, step by step, for the return's method (in the active language).

    Without a label provider (`labels_offered` False), label and QR returns are sent like `ship_yourself`.
    """
    rma = the_return.rma
    pack = _("Put the items and this slip in the parcel.")
    if the_return.method == Method.KEEP_IT:
        return [_("Keep the items: you do not need to send anything back.")]
    if the_return.method == Method.QR_DROPOFF and the_return.qr_code_url:
        return [
            pack,
            _("Bring the parcel and the QR code (on your phone or printed) to a drop-off point of the carrier."),
            _("They scan the code and print the label for you: nothing to print at home."),
        ]
    if the_return.method in (Method.LABEL, Method.QR_DROPOFF) and the_return.label_url:
        return [
            pack,
            _("Print the prepaid label and stick it on the parcel, over any old label."),
            _("Drop the parcel off with the carrier named on the label and keep the receipt."),
        ]
    if the_return.method in (Method.LABEL, Method.QR_DROPOFF) and labels_offered:
        return [pack, _("Your return label is on its way: it will appear on your return page.")]
    return [
        pack,
        _("Write %(rma)s on the parcel and send it to the return address, with tracking.") % {"rma": rma},
        _("Keep the receipt and its tracking number until your refund arrives."),
    ]


def return_address_lines(merchant, *, policy=None, settings: LabelSettings | None = None) -> list[str]:
    """The address parcels go back to: the policy's, else the shop's address from the label settings.

    Pass the policy and the label settings when the caller has them (each is otherwise one query).
    """
    policy = policy or policy_for(merchant)
    if policy.return_address.strip():
        return [line.strip() for line in policy.return_address.splitlines() if line.strip()]
    settings = settings or LabelSettings.objects.filter(merchant=merchant).first()
    if settings is None or not settings.address_street1:
        return []
    city = " ".join(part for part in (settings.address_zip, settings.address_city) if part)
    parts = [settings.address_name or merchant.name, settings.address_street1, settings.address_street2, city]
    return [part for part in (*parts, settings.address_country) if part]


def slip_filename(the_return: ReturnRequest) -> str:
    safe = "".join(ch for ch in the_return.rma if ch.isalnum() or ch == "-")
    return f"{safe}.pdf"


def packing_slip_pdf(the_return: ReturnRequest, *, language: str) -> bytes:
    """The slip as PDF bytes. Call inside the return's merchant scope."""
    with translation.override(language):
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=_("Packing slip %(rma)s") % {"rma": the_return.rma},
            author=the_return.merchant.name,
            lang=language,
        )
        document.build(_story(the_return))
    return buffer.getvalue()


def _styles() -> dict:
    base = getSampleStyleSheet()
    return {
        "shop": ParagraphStyle("shop", parent=base["Normal"], fontSize=11, textColor=colors.HexColor("#555555")),
        "title": ParagraphStyle("title", parent=base["Heading1"], fontSize=18, spaceAfter=2 * mm),
        "rma": ParagraphStyle("rma", parent=base["Title"], fontSize=34, leading=40, alignment=0, spaceAfter=0),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "body": ParagraphStyle("body", parent=base["Normal"], fontSize=10.5, leading=14),
    }


def _story(the_return: ReturnRequest) -> list:
    styles = _styles()
    order = the_return.order
    head = [
        Paragraph(escape(the_return.merchant.name), styles["shop"]),
        Paragraph(escape(_("Return packing slip")), styles["title"]),
        Paragraph(escape(the_return.rma), styles["rma"]),
        Spacer(1, 2 * mm),
        Paragraph(
            escape(
                _("Order %(number)s · return asked on %(date)s")
                % {"number": order.number, "date": format_day(the_return.created_at)}
            ),
            styles["body"],
        ),
    ]
    header = Table([[head, QrCode(the_return.rma, 34 * mm)]], colWidths=["*", 38 * mm])
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),  # line the RMA up with the headings below
            ]
        )
    )
    story = [header, Paragraph(escape(_("Items")), styles["h2"]), _items_table(the_return, styles)]
    story += [Paragraph(escape(_("What to do")), styles["h2"])]
    settings = LabelSettings.objects.filter(merchant=the_return.merchant).first()
    labels_offered = settings is not None and settings.provider != Provider.NONE
    for number, step in enumerate(dropoff_instructions(the_return, labels_offered=labels_offered), start=1):
        story.append(Paragraph(f"{number}. {escape(step)}", styles["body"]))
    address = return_address_lines(the_return.merchant, settings=settings)
    if address and the_return.method != Method.KEEP_IT:
        story += [Paragraph(escape(_("Return address")), styles["h2"])]
        story.append(Paragraph("<br/>".join(escape(line) for line in address), styles["body"]))
    return story


def _items_table(the_return: ReturnRequest, styles: dict) -> Table:
    rows = [[_("Quantity"), _("Item"), _("SKU")]]
    for item in the_return.items.select_related("line_item"):
        line = item.line_item
        title = line.title + (f" — {line.variant_title}" if line.variant_title else "")
        rows.append([str(item.quantity), Paragraph(escape(title), styles["body"]), line.sku])
    table = Table(rows, colWidths=[22 * mm, "*", 40 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#bbbbbb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table
