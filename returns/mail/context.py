"""`{{ return }}` in email templates: the return an email is about, as plain strings.

    {{ return.rma }}  {{ return.status }} ("approved")  {{ return.method }} ("label")
    {% for item in return.items %}{{ item.quantity }} × {{ item.title }}: {{ item.reason }}{% endfor %}
    {{ return.refund_amount }} ("85,50 €")  {{ return.url }} (the return's page in the portal)
    {{ return.label_url }}  {{ return.qr_code_url }}  {{ return.return_address }}
    {{ return.resolution }} ("refund", "store_credit", "shop_now", "exchange_variant")
    {{ return.credit_amount }}  {{ return.bonus_amount }}  {{ return.credit_code }} (once the credit is issued)
    {% for item in return.exchange_items %}{{ item.title }} ({{ item.variant }}){% endfor %}  {{ return.exchange_ships }}

A return's email reads the return its event named (the message's key, "return:42"); any other
order email reads the order's latest return, or nothing when it has none.
"""

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.l10n import format_day, format_money
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from portal.links import order_token
from store_credit.models import Entry
from tracking.models import Shipment

from ..eligibility import policy_for
from ..models import Method, Reason, Resolution, ReturnRequest, ReturnStatus
from ..reasons import reasons_for
from ..ships import ships_when
from .rules import return_id


def return_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "return", value=latest_return_value, sample=sample_value, keyed_value=keyed_return_value
    )


def keyed_return_value(order, anchor_key: str, language: str) -> dict:
    """The return the email's key names, if it is one of this order's (never another shop's)."""
    pk = return_id(anchor_key)
    return _value(order, language, pk=pk) if pk else {}


def latest_return_value(order, language: str) -> dict:
    return _value(order, language)


def _value(order, language: str, **lookup) -> dict:
    with merchant_scope(order.merchant):
        returns = ReturnRequest.objects.filter(order_id=order.pk, **lookup).prefetch_related(
            "items__line_item", "items__exchange_variant"
        )
        found = returns.order_by("-created_at", "-id").first()
        if found is None:
            return {}
        found.order = order  # loaded already, with its merchant
        return return_value(found, language)


def return_value(request: ReturnRequest, language: str) -> dict:
    """What a template may read of one return, worded and formatted in `language`."""
    merchant = request.order.merchant
    with translation.override(language):
        reasons = {choice.code: str(choice.label) for choice in reasons_for(merchant)}
        items = [
            {
                "title": item.line_item.title,
                "variant": item.line_item.variant_title,
                "quantity": str(item.quantity),
                "reason": reasons.get(item.reason, item.reason),
                "comment": item.comment,
            }
            for item in request.items.all()
        ]
        return {
            "rma": request.rma,
            "status": request.status,
            "status_label": str(ReturnStatus(request.status).label),
            "method": request.method,
            "method_label": str(Method(request.method).label),
            "requested_on": format_day(request.created_at, language, merchant.tzinfo),
            "items": items,
            "item_count": _count(items),
            "items_amount": format_money(request.items_amount, request.currency, language),
            "fee": format_money(request.fee, request.currency, language) if request.fee else "",
            "refund_amount": format_money(request.refund_amount, request.currency, language),
            # Store credit resolutions: the credit (items + bonus) and its bonus; empty for a refund.
            "resolution": request.resolution,
            "credit_amount": format_money(request.credit_amount, request.currency, language)
            if request.credit_amount
            else "",
            "bonus_amount": format_money(request.bonus_amount, request.currency, language)
            if request.bonus_amount
            else "",
            "credit_code": _credit_code(request),
            "rejection_reason": request.rejection_reason,
            "label_url": request.label_url,
            "qr_code_url": request.qr_code_url,
            "tracking_number": request.tracking_number,
            "return_address": _return_address(request),
            "url": return_page_url(request, language),
            **_exchange_value(request, language),
        }


def _credit_code(request: ReturnRequest) -> str:
    """The code of the wallet the return's credit went into, once it is issued (one query then, none before)."""
    if request.credit_entry_id is None:
        return ""
    with merchant_scope(request.order.merchant):
        return Entry.objects.filter(pk=request.credit_entry_id).values_list("wallet__code", flat=True).first() or ""


def _exchange_value(request: ReturnRequest, language: str) -> dict:
    """An exchange's new items, when they ship (the policy's moment, in words) and the parcel's tracking;
    empty strings and lists for the other resolutions (no query for them)."""
    empty = {
        "exchange_items": [],
        "exchange_ships": "",
        "exchange_tracking_url": "",
        "exchange_tracking_number": "",
        "exchange_due": "",
        "exchange_payment_url": "",
    }
    if request.resolution != Resolution.EXCHANGE_VARIANT:
        return empty
    items = [
        {
            "title": item.line_item.title,
            "variant": str(item.exchange_variant),
            "quantity": str(item.quantity),
            "instead_of": _("instead of %(old)s") % {"old": item.line_item.variant_title}
            if item.line_item.variant_title
            else "",
        }
        for item in request.items.all()
        if item.exchange_variant_id
    ]
    parcel = None
    if request.exchange_order_id:
        parcel = Shipment.objects.filter(order_id=request.exchange_order_id).order_by("id").first()
    return {
        "exchange_items": items,
        "exchange_ships": ships_when(request),
        "exchange_tracking_url": parcel.tracking_url if parcel else "",
        "exchange_tracking_number": parcel.tracking_number if parcel else "",
        # A dearer exchange: the difference the customer pays, and the shop's page to pay it once made.
        "exchange_due": format_money(request.exchange_due, request.currency, language) if request.exchange_due else "",
        "exchange_payment_url": request.exchange_payment_url,
    }


def _count(items: list[dict]) -> str:
    return str(sum(int(item["quantity"]) for item in items))


def _return_address(request: ReturnRequest) -> str:
    """Where a ship-it-yourself parcel goes; read only for that method (one query)."""
    if request.method != Method.SHIP_YOURSELF:
        return ""
    return policy_for(request.order.merchant).return_address


def return_page_url(request: ReturnRequest, language: str) -> str:
    """The return's page in the customer's portal, through a freshly signed order link."""
    path = reverse("portal-returns:detail", kwargs={"token": order_token(request.order), "rma": request.rma})
    return f"{settings.SITE_URL}{path}?lang={language}"


def sample_value(merchant, language: str) -> dict:
    """A made-up approved return of the sample order (flows.content.sample_context): previews, test sends."""
    fr = language == "fr"
    currency = merchant.currency
    with translation.override(language):
        status_label, method_label = str(ReturnStatus.APPROVED.label), str(Method.LABEL.label)
        reason = str(Reason.DAMAGED.label)
    return {
        "rma": "R-1001-1",
        "status": ReturnStatus.APPROVED.value,
        "status_label": status_label,
        "method": Method.LABEL.value,
        "method_label": method_label,
        "requested_on": format_day(date(2025, 3, 20), language),
        "items": [
            {
                "title": "Bougie parfumée Figuier" if fr else "Fig tree scented candle",
                "variant": "200 g",
                "quantity": "1",
                "reason": reason,
                "comment": "",
            }
        ],
        "item_count": "1",
        "items_amount": format_money(34, currency, language),
        "fee": format_money(4, currency, language),
        "refund_amount": format_money(30, currency, language),
        "resolution": "refund",
        "credit_amount": "",
        "bonus_amount": "",
        "credit_code": "",
        "rejection_reason": "Article porté, étiquette retirée." if fr else "The item has been worn.",
        "label_url": f"{settings.SITE_URL}/returns/sample/label.pdf",
        "qr_code_url": "",
        "tracking_number": "",
        "return_address": "",
        "url": f"{settings.SITE_URL}/returns/sample/R-1001-1/?lang={language}",
        "exchange_items": [
            {
                "title": "Chemise en lin" if fr else "Linen shirt",
                "variant": "S",
                "quantity": "1",
                "instead_of": "à la place de M" if fr else "instead of M",
            }
        ],
        "exchange_ships": "Il part dès que la boutique a reçu votre retour."
        if fr
        else "It ships once the shop has received your return.",
        "exchange_tracking_url": f"{settings.SITE_URL}/returns/sample/track/",
        "exchange_tracking_number": "1Z999AA10123456784",
        "exchange_due": format_money(5, currency, language),
        "exchange_payment_url": "https://shop.example.com/checkout/invoice/sample",
    }
