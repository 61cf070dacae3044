"""EasyPost return labels (docs: /work/shared/reference/wire_formats_2.md §4, docs.easypost.com).

One return = one Shipment created with `is_return: true` and the SAME addresses as the outbound
parcel (EasyPost swaps them), bought at the cheapest rate among the shop's carriers. A QR drop-off
adds a `label_qr_code` Form after the purchase. EasyPost has no idempotency key: the shipment id is
remembered before buying, and a retry GETs the shipment and reuses its `postage_label` if present.
"""

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation

import requests
from django.utils.translation import gettext as _

from .base import Address, Label, LabelError, LabelProvider, LabelRequest, Parcel

API = "https://api.easypost.com/v2"
TIMEOUT = (5, 30)  # connect, read: buying can take EasyPost a while
TRANSIENT_STATUSES = {408, 429, 500, 502, 503, 504}
QR_FORM = "label_qr_code"
CM_PER_INCH = Decimal("2.54")
GRAMS_PER_OUNCE = Decimal("28.3495")


class EasyPost(LabelProvider):
    name = "easypost"

    def __init__(self, api_key: str, session: requests.Session | None = None):
        self.api_key = api_key
        self.session = session or requests.Session()

    def label_obtain(self, request: LabelRequest, *, shipment_id: str, remember: Callable[[str], None]) -> Label:
        if not self.api_key:
            raise LabelError(_("Add the shop's EasyPost API key in the label settings."))
        if shipment_id:
            shipment = self._call("GET", f"/shipments/{shipment_id}")
        else:
            shipment = self._call("POST", "/shipments", {"shipment": shipment_body(request)})
            remember(shipment["id"])
        if not shipment.get("postage_label"):
            rate = cheapest_rate(shipment.get("rates") or [], request.carriers)
            shipment = self._call("POST", f"/shipments/{shipment['id']}/buy", {"rate": {"id": rate["id"]}})
        if not request.qr_code:
            return label_from(shipment, qr_code_url="")
        try:
            return label_from(shipment, qr_code_url=self._qr_code_url(shipment))
        except LabelError as refusal:
            if refusal.transient:
                raise
            # Label Broker QR codes are USPS only: the bought label still lets the customer send the parcel.
            warning = _("The label is bought but EasyPost gave no QR code: %(reason)s") % {"reason": refusal.message}
            return replace(label_from(shipment, qr_code_url=""), warning=warning)

    def _qr_code_url(self, shipment: dict) -> str:
        """The drop-off QR code: the Form made on an earlier attempt, else a new one (only after the purchase)."""
        for form in shipment.get("forms") or []:
            if form.get("form_type") == QR_FORM and form.get("form_url"):
                return form["form_url"]
        form = self._call("POST", f"/shipments/{shipment['id']}/forms", {"form": {"type": QR_FORM}})
        if not form.get("form_url"):
            raise LabelError(_("EasyPost made the QR code form without an address to show it."), transient=True)
        return form["form_url"]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            response = self.session.request(
                method, API + path, json=body, auth=(self.api_key, ""), timeout=TIMEOUT, allow_redirects=False
            )
        except requests.Timeout as exc:
            raise LabelError(_("EasyPost did not answer in time; we will try again."), transient=True) from exc
        except requests.RequestException as exc:
            raise LabelError(_("EasyPost could not be reached; we will try again."), transient=True) from exc
        if response.status_code >= 300:
            raise error_from(response)
        try:
            return response.json()
        except ValueError as exc:
            raise LabelError(
                _("EasyPost sent an answer we could not read; we will try again."), transient=True
            ) from exc


def shipment_body(request: LabelRequest) -> dict:
    body = {
        "is_return": True,
        "to_address": address_body(request.customer),
        "from_address": address_body(request.shop),
        "parcel": parcel_body(request.parcel),
        "reference": request.reference,
    }
    return body


def address_body(address: Address) -> dict:
    fields = {
        "name": address.name,
        "street1": address.street1,
        "street2": address.street2,
        "city": address.city,
        "state": address.state,
        "zip": address.zip,
        "country": address.country,
        "phone": address.phone,
        "email": address.email,
    }
    return {key: value for key, value in fields.items() if value}


def parcel_body(parcel: Parcel) -> dict:
    """EasyPost measures in inches and ounces."""

    def inches(cm: Decimal) -> float:
        return float((cm / CM_PER_INCH).quantize(Decimal("0.1")))

    return {
        "length": inches(parcel.length_cm),
        "width": inches(parcel.width_cm),
        "height": inches(parcel.height_cm),
        "weight": float((Decimal(parcel.weight_g) / GRAMS_PER_OUNCE).quantize(Decimal("0.1"))),
    }


def cheapest_rate(rates: list[dict], carriers: tuple[str, ...]) -> dict:
    wanted = {carrier.casefold() for carrier in carriers}
    priced = []
    for rate in rates:
        if wanted and str(rate.get("carrier", "")).casefold() not in wanted:
            continue
        try:
            priced.append((Decimal(str(rate["rate"])), rate))
        except (KeyError, InvalidOperation):
            continue  # a rate without a price cannot be compared, nor bought knowingly
    if not priced:
        if wanted:
            raise LabelError(
                _("No rate from %(carriers)s for this parcel. Check the carriers in the label settings.")
                % {"carriers": ", ".join(carriers)}
            )
        raise LabelError(_("EasyPost offered no rate for this parcel. Check the addresses and the parcel size."))
    return min(priced, key=lambda pair: pair[0])[1]


def label_from(shipment: dict, qr_code_url: str) -> Label:
    postage = shipment.get("postage_label") or {}
    selected = shipment.get("selected_rate") or {}
    label_url = postage.get("label_pdf_url") or postage.get("label_url") or ""
    if not label_url:
        raise LabelError(_("EasyPost bought the label but sent no address to download it."), transient=True)
    return Label(
        shipment_id=shipment["id"],
        label_url=label_url,
        tracking_number=shipment.get("tracking_code") or "",
        qr_code_url=qr_code_url,
        carrier=selected.get("carrier", ""),
        service=selected.get("service", ""),
    )


def error_from(response: requests.Response) -> LabelError:
    """EasyPost's `{"error": {"code", "message", "errors": [...]}}` as one sentence for staff."""
    status = response.status_code
    if status in TRANSIENT_STATUSES:
        return LabelError(
            _("EasyPost is busy or unavailable (HTTP %(status)s); we will try again.") % {"status": status},
            transient=True,
        )
    if status in (401, 403):
        return LabelError(_("EasyPost refused the API key. Check it in the label settings."))
    if status == 402:
        return LabelError(_("EasyPost refused to charge the account: add billing details or funds at EasyPost."))
    detail = _error_detail(response)
    return LabelError(
        _("EasyPost refused the label (HTTP %(status)s): %(detail)s") % {"status": status, "detail": detail}
    )


def _error_detail(response: requests.Response) -> str:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return response.reason or ""
    parts = [str(error.get("message", "")).strip()]
    for item in error.get("errors") or []:  # a list of {field, message} objects, or of plain strings
        if isinstance(item, dict):
            parts.append(f"{item.get('field', '')}: {item.get('message', '')}".strip(": "))
        else:
            parts.append(str(item))
    return " — ".join(part for part in parts if part)[:400]
