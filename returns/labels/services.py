"""Buying a return's label once, retrying it, and the shop's label settings.

The flow: a return with the `label` or `qr_dropoff` method is approved → after the commit,
`return_label_enqueue` queues `returns.tasks.buy_return_label` → `return_label_buy` claims the return's
`ReturnLabel` (token + lease: one worker at a time), asks the provider, which stores the shipment id
before buying, and records the label, or the provider's refusal in `label_error` for staff.
"""

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.scoping import merchant_scope, unscoped
from merchants.credentials import credential_get, credential_set
from orders.events import event_record

from ..models import Method, ReturnNote, ReturnPolicy, ReturnRequest, ReturnStatus
from ..payloads import return_data
from .base import Address, LabelError, LabelProvider, LabelRequest, Parcel
from .easypost import EasyPost
from .models import LabelSettings, ParcelSize, Provider, ReturnLabel

logger = logging.getLogger(__name__)

LABEL_METHODS = (Method.LABEL, Method.QR_DROPOFF)
# A claimed label is left to its worker this long (three provider calls with their timeouts fit in it).
CLAIM_LEASE = timedelta(minutes=5)
SWEEP_GRACE = timedelta(minutes=10)


class LabelRetryError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def label_settings_for(merchant) -> LabelSettings:
    """The shop's settings, or the defaults (no provider) when it never saved any."""
    with merchant_scope(merchant):
        found = LabelSettings.objects.filter(merchant=merchant).first()
    return found or LabelSettings(merchant=merchant)


def provider_for(merchant, settings: LabelSettings) -> LabelProvider | None:
    """The adapter of the shop's provider; None when customers send parcels themselves."""
    if settings.provider == Provider.EASYPOST:
        return EasyPost(api_key=credential_get(merchant, "easypost_api_key"))
    return None


def label_wanted(request: ReturnRequest) -> bool:
    """An approved return that travels on a bought label and does not have all of it yet."""
    if request.status != ReturnStatus.APPROVED or request.method not in LABEL_METHODS:
        return False
    return not request.label_url or (request.method == Method.QR_DROPOFF and not request.qr_code_url)


# --- Queueing ---------------------------------------------------------------------------------


def return_label_enqueue(request: ReturnRequest) -> None:
    """After the current transaction commits, queue the purchase of the return's label."""
    if request.method in LABEL_METHODS:
        transaction.on_commit(lambda: _enqueue(request.merchant_id, request.pk))


def _enqueue(merchant_id: int, return_id: int) -> None:
    from ..tasks import buy_return_label  # tasks import this module

    try:
        buy_return_label.delay(merchant_id, return_id)
    except Exception:  # the approval is committed: a broker outage must not turn it into an error page
        logger.exception("Could not queue the label of return %s; staff can retry it.", return_id)


def return_labels_sweep(*, now=None, limit: int = 100) -> int:
    """Queue labels no attempt was ever made for (the broker was down when the return was approved).

    Run by beat; a return approved less than SWEEP_GRACE ago is left to its own task.
    """
    now = now or timezone.now()
    with unscoped():  # every merchant's returns: a named sweep, like shop_actions_claim_due
        with_provider = LabelSettings.objects.exclude(provider=Provider.NONE).values("merchant")
        forgotten = list(
            ReturnRequest.objects.filter(
                status=ReturnStatus.APPROVED,
                method__in=LABEL_METHODS,
                label_url="",
                label__isnull=True,
                updated_at__lt=now - SWEEP_GRACE,
                merchant__in=with_provider,
            ).values_list("merchant_id", "pk")[:limit]
        )
    for merchant_id, return_id in forgotten:
        _enqueue(merchant_id, return_id)
    return len(forgotten)


def return_label_retry(request: ReturnRequest) -> ReturnRequest:
    """Staff ask again for a label the provider refused (after fixing the address, the settings...)."""
    merchant = request.merchant
    with merchant_scope(merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        _check_retry_allowed(locked, label_settings_for(merchant))
        return_label_enqueue(locked)
    return locked


def _check_retry_allowed(request: ReturnRequest, settings: LabelSettings) -> None:
    if request.method not in LABEL_METHODS:
        raise LabelRetryError(_("This return does not travel on a label."))
    if request.status != ReturnStatus.APPROVED:
        raise LabelRetryError(_("Only an approved return that has not left yet gets a label."))
    if not label_wanted(request):
        raise LabelRetryError(_("This return already has its label."))
    if settings.provider == Provider.NONE:
        raise LabelRetryError(_("Choose a label provider in the label settings first."))
    claimed = ReturnLabel.objects.filter(request=request, claimed_until__gt=timezone.now()).exists()
    if claimed:
        raise LabelRetryError(_("The label is being bought right now: look again in a minute."))


# --- Buying -----------------------------------------------------------------------------------


def return_label_buy(*, merchant, return_id: int) -> ReturnRequest | None:
    """Buy the return's label unless it has one, or another worker is on it. Raises LabelError on refusal."""
    settings = label_settings_for(merchant)
    provider = provider_for(merchant, settings)
    if provider is None:
        return None  # no provider: the customer sends the parcel to the return address
    with merchant_scope(merchant), translation.override(merchant.default_language):
        claimed = _claim(merchant, return_id, provider.name)
        if claimed is None:
            return None
        request, label, token = claimed
        try:
            bought = provider.label_obtain(
                _label_request(request, settings),
                shipment_id=label.shipment_id,
                remember=lambda shipment_id: _remember_shipment(label, token, shipment_id),
            )
        except LabelError as refusal:
            _record_refusal(request, label, token, refusal.message)
            raise
        return _record_label(request, label, token, bought)


def _claim(merchant, return_id: int, provider: str):
    """(request, label, token) if the label is still wanted and nobody works on it, else None."""
    now = timezone.now()
    with transaction.atomic():
        request = (
            ReturnRequest.objects.select_for_update(of=("self",)).filter(pk=return_id).select_related("order").first()
        )
        if request is None or not label_wanted(request):
            return None
        label, _created = ReturnLabel.objects.get_or_create(
            merchant=merchant, request=request, defaults={"provider": provider}
        )
        if label.claimed_until and label.claimed_until > now:
            return None  # another worker holds it: its outcome will be recorded
        label.claim_token = uuid.uuid4()
        label.claimed_until = now + CLAIM_LEASE
        label.attempts += 1
        label.save(update_fields=["claim_token", "claimed_until", "attempts"])
    return request, label, label.claim_token


def _remember_shipment(label: ReturnLabel, token: uuid.UUID, shipment_id: str) -> None:
    """Stored (and committed) before the purchase: a retry finds the shipment instead of buying another."""
    with transaction.atomic():
        kept = ReturnLabel.objects.filter(pk=label.pk, claim_token=token).update(shipment_id=shipment_id[:64])
    if not kept:
        raise LabelError(_("Another attempt took over this label; it will record the outcome."), transient=True)
    label.shipment_id = shipment_id


def _record_refusal(request: ReturnRequest, label: ReturnLabel, token: uuid.UUID, message: str) -> None:
    with transaction.atomic():
        released = ReturnLabel.objects.filter(pk=label.pk, claim_token=token).update(
            claim_token=None, claimed_until=None
        )
        if not released:
            return  # the lease ran out and another worker took over: its outcome is the one to show
        ReturnRequest.objects.filter(pk=request.pk).update(label_error=message[:500], updated_at=timezone.now())
    request.label_error = message[:500]


def _record_label(request: ReturnRequest, label: ReturnLabel, token: uuid.UUID, bought) -> ReturnRequest:
    now = timezone.now()
    with transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        locked.label_url = bought.label_url
        locked.qr_code_url = bought.qr_code_url
        locked.tracking_number = bought.tracking_number[:64]
        locked.label_error = bought.warning[:500]
        locked.save(update_fields=["label_url", "qr_code_url", "tracking_number", "label_error", "updated_at"])
        ReturnLabel.objects.filter(pk=label.pk).update(
            shipment_id=bought.shipment_id[:64],
            carrier=bought.carrier[:40],
            service=bought.service[:80],
            bought_at=now,
            claim_token=None,
            claimed_until=None,
        )
        text = _("Return label bought: %(carrier)s %(service)s, tracking number %(tracking)s.") % {
            "carrier": bought.carrier,
            "service": bought.service,
            "tracking": bought.tracking_number or "—",
        }
        ReturnNote.objects.create(merchant=locked.merchant, request=locked, text=text)
        _parcel_attach(locked, bought)
        # Emails and outbound webhooks learn the label is there (the payload has label_url, qr_code_url...).
        event_record(
            merchant=locked.merchant, kind="return.label_ready", order=locked.order, payload=return_data(locked)
        )
    return locked


def _parcel_attach(request: ReturnRequest, bought) -> None:
    """Track the label's parcel as the return's: its first scan moves the return in transit (returns/parcels.py)."""
    from ..lifecycle import ReturnValidationError  # here: lifecycle asks this module for labels on approval
    from ..parcels import return_parcel_attach

    if not bought.tracking_number:
        return
    try:
        return_parcel_attach(request, bought.tracking_number, bought.carrier.lower())
    except ReturnValidationError as refused:  # a number our carriers do not know: the label stands, staff are told
        ReturnNote.objects.create(merchant=request.merchant, request=request, text=refused.errors["tracking_number"])


# --- What is sent to the provider --------------------------------------------------------------


def _label_request(request: ReturnRequest, settings: LabelSettings) -> LabelRequest:
    return LabelRequest(
        reference=request.rma,
        customer=_customer_address(request),
        shop=_shop_address(settings),
        parcel=parcel_for(request, settings),
        carriers=tuple(settings.carriers or ()),
        qr_code=request.method == Method.QR_DROPOFF,
    )


def _customer_address(request: ReturnRequest) -> Address:
    order = request.order
    if not (order.shipping_address1 and order.shipping_city and order.shipping_country):
        raise LabelError(_("The order has no complete delivery address to send the label from."))
    customer = order.customer
    return Address(
        name=order.shipping_name or (f"{customer.first_name} {customer.last_name}".strip() if customer else ""),
        street1=order.shipping_address1,
        street2=order.shipping_address2,
        city=order.shipping_city,
        zip=order.shipping_postal_code,
        country=order.shipping_country,
        phone=customer.phone if customer else "",
        email=order.email,
    )


def _shop_address(settings: LabelSettings) -> Address:
    if not (settings.address_street1 and settings.address_city and settings.address_zip and settings.address_country):
        raise LabelError(_("Fill in the shop's address in the label settings: the label needs it."))
    return Address(
        name=settings.address_name or settings.merchant.name,
        street1=settings.address_street1,
        street2=settings.address_street2,
        city=settings.address_city,
        state=settings.address_state,
        zip=settings.address_zip,
        country=settings.address_country,
        phone=settings.address_phone,
    )


def parcel_for(request: ReturnRequest, settings: LabelSettings) -> Parcel:
    """The biggest box any returned item needs, weighing what all the returned units weigh.

    Each item's box is its product type's size if the shop gave one, else the default.
    """
    sizes = {size.product_type: size for size in ParcelSize.objects.filter(merchant=request.merchant)}
    default = Parcel(
        settings.parcel_length_cm, settings.parcel_width_cm, settings.parcel_height_cm, settings.parcel_weight_g
    )
    boxes, weight = [], 0
    for item in request.items.select_related("line_item"):
        size = sizes.get(item.line_item.product_type)
        box = Parcel(size.length_cm, size.width_cm, size.height_cm, size.weight_g) if size else default
        boxes.append(box)
        weight += box.weight_g * item.quantity
    biggest = max(boxes, key=lambda box: box.length_cm * box.width_cm * box.height_cm, default=default)
    return Parcel(biggest.length_cm, biggest.width_cm, biggest.height_cm, weight or default.weight_g)


# --- Settings ---------------------------------------------------------------------------------


def label_settings_update(
    *, merchant, values: dict, sizes: list[dict], received_on_delivery: bool | None, api_key: str = ""
) -> None:
    """Save the label settings, replace the per-type parcel sizes, and the policy's "received on delivery".

    An empty `api_key` keeps the saved one.
    """
    with merchant_scope(merchant), transaction.atomic():
        if api_key.strip():
            credential_set(merchant, "easypost_api_key", api_key)
        LabelSettings.objects.update_or_create(merchant=merchant, defaults=values)
        ParcelSize.objects.filter(merchant=merchant).delete()
        ParcelSize.objects.bulk_create(ParcelSize(merchant=merchant, **size) for size in sizes)
        if received_on_delivery is not None:
            ReturnPolicy.objects.filter(merchant=merchant).update(received_on_delivery=received_on_delivery)


def parcel_sizes_of(merchant) -> list[ParcelSize]:
    with merchant_scope(merchant):
        return list(ParcelSize.objects.filter(merchant=merchant))
