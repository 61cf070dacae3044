"""The parcel back (docs/returns.md): a return's tracking number becomes a return parcel that tracking
follows like any other, and the parcel's scans move the return.

Tracking never imports returns: it records `return_parcel.*` events for return parcels, and this
module subscribes to them (returns/apps.py). Subscribers may run twice for one event (the outbox
sweep republishes), so each move here is taken only from the statuses it starts from.
"""

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.scoping import merchant_scope
from orders.models import OrderEvent
from tracking.carriers import CARRIERS, UNKNOWN, carrier_name, detect, normalize_number
from tracking.models import Shipment, ShipmentStatus
from tracking.services import ReturnParcelError, return_shipment_create, shipment_cancel

from .eligibility import policy_for
from .lifecycle import ReturnStateError, ReturnValidationError, return_move
from .models import ReturnRequest, ReturnStatus

S = ReturnStatus
# A return can be given its parcel once approved, and corrected while the parcel is on its way.
ATTACHABLE = (S.APPROVED, S.IN_TRANSIT)
# Statuses that are no carrier scan of a moving parcel: the label exists, or the tracking ran out.
NOT_A_SCAN = (ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED, ShipmentStatus.EXPIRED)


def return_parcel_attach(request: ReturnRequest, tracking_number: str, carrier: str = "") -> Shipment:
    """Give the return its parcel: staff, the customer (ship it yourself) or the label purchase call this
    with the parcel's tracking number. Returns the return parcel; the same number again changes nothing,
    another number replaces the parcel (the first one is cancelled: no longer polled or checked for delays).

    Raises ReturnValidationError({"tracking_number": message}) for a number we cannot take, or a return
    that is not waiting for its parcel.
    """
    with merchant_scope(request.merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().select_related("order__merchant").get(pk=request.pk)
        if locked.status not in ATTACHABLE:
            raise ReturnValidationError(
                {
                    "tracking_number": _("This return is not waiting for a parcel: its status is %(status)s.")
                    % {"status": S(locked.status).label.lower()}
                }
            )
        previous = Shipment.all_directions.filter(pk=locked.shipment_id).first() if locked.shipment_id else None
        if previous is not None and previous.tracking_number == normalize_number(tracking_number):
            return previous
        try:
            parcel = return_shipment_create(locked.order, tracking_number, carrier or None)
        except ReturnParcelError as refused:
            raise ReturnValidationError({"tracking_number": str(refused)}) from refused
        locked.shipment, locked.tracking_number = parcel, parcel.tracking_number
        locked.save(update_fields=["shipment", "tracking_number", "updated_at"])
        if previous is not None and previous.pk != parcel.pk:
            shipment_cancel(merchant=locked.merchant, shipment=previous)
    request.shipment, request.tracking_number = parcel, parcel.tracking_number
    return parcel


def on_return_parcel_event(event: OrderEvent) -> None:
    """Subscriber of `return_parcel.*`: the first carrier scan sends the return on its way; the delivery
    to the shop receives it when the policy says so (else staff receive it, recording what they found)."""
    shipment_id = (event.payload or {}).get("shipment_id")
    request = ReturnRequest.objects.filter(merchant=event.merchant, shipment_id=shipment_id).first()
    if request is None:  # a replaced parcel, or one no return claims any more
        return
    if event.kind == "return_parcel.status_changed" and event.payload.get("to") not in NOT_A_SCAN:
        _advance(request, S.IN_TRANSIT, starts_from=(S.APPROVED,), text=_("The carrier scanned the parcel."))
    elif event.kind == "return_parcel.delivered" and _receives_on_delivery(request):
        _advance(
            request,
            S.RECEIVED,
            starts_from=(S.APPROVED, S.IN_TRANSIT),
            text=_("The carrier delivered the parcel to the shop."),
        )


def _receives_on_delivery(request: ReturnRequest) -> bool:
    return policy_for(request.merchant).received_on_delivery


def _advance(request: ReturnRequest, to: str, *, starts_from: tuple, text: str) -> None:
    """Move the return unless it already moved on (a redelivered webhook, a republished event) or
    staff took it elsewhere meanwhile."""
    if request.status not in starts_from:
        return
    try:
        return_move(request=request, to=to, text=text)
    except ReturnStateError:  # moved by someone else between our read and the lock
        pass


# --- The customer's form (ship it yourself) --------------------------------------------------------


def _carrier_choices() -> list[tuple[str, str]]:
    known = [(code, carrier_name(code)) for code in CARRIERS if code != UNKNOWN]
    return [("", pgettext_lazy("carrier", "I don't know")), *known]


class ReturnParcelForm(forms.Form):
    """The tracking number a customer who ships the return themselves was given at the post office."""

    tracking_number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=80)
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"), required=False, choices=_carrier_choices)

    def clean(self):
        data = super().clean()
        number, carrier = normalize_number(data.get("tracking_number", "")), data.get("carrier", "")
        if number and not carrier and not detect(number).candidates:
            # Checked against every format and check digit we know: most typos end here, not in a parcel
            # that never gets a scan.
            self.add_error(
                "tracking_number",
                gettext_lazy("We do not recognise this tracking number: check it, or choose the carrier."),
            )
        return data
