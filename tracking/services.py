"""Every write about shipments. All event sources (shops, the API, staff, providers, polling)
go through `tracking_event_add`, so the status rules live in one place."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.cache_version import order_cache_version_bump
from orders.events import event_record
from orders.models import LineItem, Order, OrderEvent

from . import carriers, view_buffer, windows
from .models import (
    CarrierSetting,
    RecommendationClick,
    Shipment,
    ShipmentDirection,
    ShipmentStatus,
    TrackingEvent,
    TrackingPageView,
    UnmatchedTrackingEvent,
    WismoContact,
)
from .status import PROBLEMS, FoldedEvent, fold, is_progress_regression

logger = logging.getLogger(__name__)
S = ShipmentStatus
# How far ahead of our clock a carrier's timestamp may be before we call it wrong.
CLOCK_SKEW = timedelta(minutes=15)
DEFAULT_DELAY_THRESHOLD_DAYS = 3
HISTORY_SAMPLE = 500  # most recent deliveries used for a window estimate
VALID_STATUSES = set(S.values)


class TrackingEventError(ValueError):
    """An event we refuse, with a message a person can act on, per field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class DelayReason:
    NO_NEWS = "no_news"
    WINDOW_PASSED = "window_passed"
    ATTEMPT_FAILED = S.ATTEMPT_FAILED.value
    EXCEPTION = S.EXCEPTION.value
    RETURNING_TO_SENDER = S.RETURNING_TO_SENDER.value
    EXPIRED = S.EXPIRED.value


# --- Shipments ---------------------------------------------------------------------------------


def shipment_event_kind(shipment: Shipment, name: str) -> str:
    """ "shipment.<name>" for a parcel sent to the customer, "return_parcel.<name>" for one on its way back.

    The one seam between return parcels and everything meant for outgoing ones: the customer's
    shipping emails, flows and surveys started by shipment events, J+N anchors and outbound
    `shipment.*` webhooks all subscribe to "shipment." kinds, so they never hear of a return parcel.
    """
    family = "return_parcel" if shipment.direction == ShipmentDirection.RETURN else "shipment"
    return f"{family}.{name}"


def _find_shipment(merchant: Merchant, order: Order, external_id: str, number: str) -> Shipment | None:
    shipments = Shipment.objects.select_for_update().filter(merchant=merchant, order=order)
    if external_id:
        found = shipments.filter(external_id=external_id).first()
        if found is not None:
            return found
    if number:
        # A shipment first created without the shop's id (e.g. through the API) is adopted.
        candidates = shipments.filter(tracking_number=number)
        if external_id:
            candidates = candidates.filter(external_id="")
        return candidates.first()
    return None


def shipment_upsert(
    *,
    merchant: Merchant,
    order: Order,
    external_id: str = "",
    tracking_number: str = "",
    carrier_hint: str = "",
    tracking_url: str = "",
    service: str = "",
    status_hint: str = "",
    line_item_ids: list[int] | None = None,
    shipped_at: datetime | None = None,
    source: str = "api",
) -> Shipment:
    """Create or update the order's shipment named by external_id (else by tracking number).

    The carrier is detected from the number, the shop's named carrier winning. Never raises
    on an unrecognised or check-digit-invalid number: it is kept with carrier "unknown".
    """
    external_id = (external_id or "").strip()[:64]
    detection = carriers.detect(tracking_number or "", hint=carrier_hint)
    number = detection.number[:64]
    with merchant_scope(merchant), transaction.atomic():
        shipment = _find_shipment(merchant, order, external_id, number)
        created = shipment is None
        if created:
            shipment = Shipment(merchant=merchant, order=order, external_id=external_id)
        elif external_id and not shipment.external_id:
            shipment.external_id = external_id
        if number or created:
            shipment.tracking_number = number
            shipment.carrier = detection.carrier[:40]
            shipment.carrier_candidates = detection.candidates
        elif carrier_hint:
            shipment.carrier = carriers.detect(shipment.tracking_number, hint=carrier_hint).carrier[:40]
        if tracking_url:
            shipment.tracking_url = tracking_url[:500]
        elif not shipment.tracking_url:
            shipment.tracking_url = carriers.tracking_url_for(shipment.carrier, shipment.tracking_number)
        if service:
            shipment.service = service[:120]
        if shipped_at is not None:
            shipment.shipped_at = shipped_at
        elif created:
            shipment.shipped_at = timezone.now()
        _window_estimate(shipment)
        _promise_record(shipment)
        shipment.save()
        if line_item_ids:
            shipment.line_items.set(LineItem.objects.filter(merchant=merchant, order=order, pk__in=line_item_ids))
        order_cache_version_bump(order.pk)  # the tracking page shows the shipment
        if created:
            event_record(
                merchant=merchant,
                kind=shipment_event_kind(shipment, "created"),
                order=order,
                payload={
                    "shipment_id": shipment.pk,
                    "order_id": order.pk,
                    "carrier": shipment.carrier,
                    "tracking_number": shipment.tracking_number,
                    # An exchange order's parcel: returns follows it without a query for the other parcels.
                    **_exchange_parcel(order, shipment),
                },
            )
        if status_hint in VALID_STATUSES and _hint_is_news(shipment, status_hint):
            tracking_event_add(
                merchant=merchant, shipment=shipment, status=status_hint, occurred_at=timezone.now(), source=source
            )
    return shipment


def _exchange_parcel(order: Order, shipment: Shipment) -> dict:
    if not order.exchange_for_rma:
        return {}
    return {"exchange_for_rma": order.exchange_for_rma, "tracking_url": shipment.tracking_url}


# --- Return parcels ------------------------------------------------------------------------------


class ReturnParcelError(ValueError):
    """A tracking number we cannot take for a return parcel, with a message for whoever typed it."""


def return_shipment_create(order: Order, tracking_number: str, carrier: str | None = None) -> Shipment:
    """The parcel a customer sends back, tracked like any other (same carriers, providers and delay
    checks) but recording `return_parcel.*` events, never `shipment.*` ones (shipment_event_kind).

    Idempotent: the same number on the same order finds the parcel created first. The carrier is
    detected from the number, a named carrier winning. Raises ReturnParcelError for an empty or
    malformed number, or the number of a parcel the shop sent to the customer.
    """
    merchant = order.merchant
    detection = carriers.detect(tracking_number or "", hint=carrier or "")
    number = detection.number
    if not number or len(number) > 64 or not number.isalnum():
        raise ReturnParcelError(_("Enter the tracking number printed on the parcel's receipt (letters and digits)."))
    with merchant_scope(merchant), transaction.atomic():
        order = Order.objects.select_for_update().get(merchant=merchant, pk=order.pk)  # two submits: one parcel
        existing = Shipment.all_directions.filter(merchant=merchant, order=order, tracking_number=number)
        if existing.filter(direction=ShipmentDirection.OUTBOUND).exists():
            raise ReturnParcelError(_("This is the number of the parcel the shop sent you: enter the return's."))
        parcel = existing.filter(direction=ShipmentDirection.RETURN).first()
        if parcel is not None:
            return parcel
        parcel = Shipment.all_directions.create(
            merchant=merchant,
            order=order,
            direction=ShipmentDirection.RETURN,
            tracking_number=number,
            carrier=detection.carrier[:40],
            carrier_candidates=detection.candidates,
            tracking_url=carriers.tracking_url_for(detection.carrier, number),
            status=S.INFO_RECEIVED,  # a number exists; shipped_at is set by the first moving scan
        )
        event_record(
            merchant=merchant,
            kind=shipment_event_kind(parcel, "created"),
            order=order,
            payload={
                "shipment_id": parcel.pk,
                "order_id": order.pk,
                "carrier": parcel.carrier,
                "tracking_number": number,
            },
        )
    return parcel


def _hint_is_news(shipment: Shipment, status: str) -> bool:
    """A shop's status carries no time: only a status we have not seen, and no step back, is news."""
    if status == shipment.status or is_progress_regression(shipment.status, status):
        return False
    return not TrackingEvent.objects.filter(merchant=shipment.merchant, shipment=shipment, status=status).exists()


# --- Events ------------------------------------------------------------------------------------


def _event_errors(*, shipment: Shipment, status: str, occurred_at, country: str) -> dict[str, str]:
    errors = {}
    if status not in VALID_STATUSES:
        errors["status"] = f"{status!r} is not a shipment status. Use one of: {', '.join(S.values)}."
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        errors["occurred_at"] = "Give the time of the event with its time zone (ISO 8601, e.g. 2025-03-04T10:15:00Z)."
    else:
        now = timezone.now()
        if occurred_at > now + CLOCK_SKEW:
            errors["occurred_at"] = (
                f"{occurred_at.isoformat()} is in the future (our clock says {now.replace(microsecond=0).isoformat()}). "
                "Send the time the event happened, with its time zone."
            )
        elif occurred_at < shipment.order.placed_at - CLOCK_SKEW:
            errors["occurred_at"] = (
                f"{occurred_at.isoformat()} is before the order was placed "
                f"({shipment.order.placed_at.isoformat()}): this event cannot belong to this shipment."
            )
    if country and (len(country) != 2 or not country.isalpha()):
        errors["country"] = "Use a two-letter ISO 3166 country code, e.g. FR."
    return errors


def tracking_event_add(
    *,
    merchant: Merchant,
    shipment: Shipment,
    status: str,
    occurred_at: datetime,
    source: str,
    description: str = "",
    substatus: str = "",
    city: str = "",
    country: str = "",
    raw: dict | None = None,
    estimated_delivery: date | None = None,
) -> tuple[TrackingEvent | None, bool]:
    """Add one event and bring the shipment's status in line. Returns (event, created).

    A duplicate (same status, time and description) changes nothing and returns (existing, False).
    Raises TrackingEventError for an event we refuse; nothing is written then.
    """
    country = (country or "").strip().upper()
    description = (description or "").strip()[:500]
    with merchant_scope(merchant), transaction.atomic():
        shipment = (
            Shipment.all_directions.select_for_update()
            .select_related("order", "merchant")
            .get(merchant=merchant, pk=shipment.pk)
        )
        errors = _event_errors(shipment=shipment, status=status, occurred_at=occurred_at, country=country)
        if errors:
            raise TrackingEventError(errors)
        event = TrackingEvent(
            merchant=merchant,
            shipment=shipment,
            status=status,
            substatus=(substatus or "")[:64],
            description=description,
            city=(city or "").strip()[:120],
            country=country,
            occurred_at=occurred_at,
            source=source[:20],
            raw=raw or {},
        )
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            existing = TrackingEvent.objects.filter(
                merchant=merchant, shipment=shipment, status=status, occurred_at=occurred_at, description=description
            ).first()
            if existing is None:
                raise
            return existing, False
        if estimated_delivery is not None:
            shipment.estimated_delivery_from = shipment.estimated_delivery_to = estimated_delivery
            shipment.estimate_source = "carrier"
        _status_refresh(shipment)
        _delay_refresh(shipment)
        shipment.save()
        order_cache_version_bump(shipment.order_id)  # a new scan changes the page even when the status does not
    return event, True


def _status_refresh(shipment: Shipment) -> None:
    """Fold every event again (a late old event can change what 'delivered is final' means)."""
    rows = TrackingEvent.objects.filter(merchant=shipment.merchant, shipment=shipment).values_list(
        "status", "occurred_at", "substatus", "description"
    )
    folded = fold(FoldedEvent(*row) for row in rows)
    shipment.last_event_at = folded.last_event_at
    if shipment.shipped_at is None:
        shipment.shipped_at = _first_moving_event_at(rows)
    previous = shipment.status
    shipment.substatus = folded.substatus
    if folded.status == previous:
        return
    shipment.status = folded.status
    order = shipment.order
    event_record(
        merchant=shipment.merchant,
        kind=shipment_event_kind(shipment, "status_changed"),
        order=order,
        payload={"shipment_id": shipment.pk, "order_id": order.pk, "from": previous, "to": folded.status},
        occurred_at=folded.decided_at,
    )
    if folded.status == S.DELIVERED:
        shipment.delivered_at = folded.decided_at
        shipment.delivered_within_window = _arrived_within_window(shipment)
        event_record(
            merchant=shipment.merchant,
            kind=shipment_event_kind(shipment, "delivered"),
            order=order,
            payload={
                "shipment_id": shipment.pk,
                "order_id": order.pk,
                "delivered_at": folded.decided_at.isoformat(),
            },
            occurred_at=folded.decided_at,
        )
    elif previous == S.DELIVERED:  # a return to sender followed the delivery
        shipment.delivered_at = None
        shipment.delivered_within_window = None


def _first_moving_event_at(rows) -> datetime | None:
    moving = [at for status, at, *_rest in rows if status not in (S.PENDING, S.INFO_RECEIVED)]
    return min(moving) if moving else None


def _arrived_within_window(shipment: Shipment) -> bool | None:
    if shipment.direction == ShipmentDirection.RETURN:  # on-time figures are about parcels sent to customers
        return None
    if not (shipment.delivered_at and shipment.estimated_delivery_from and shipment.estimated_delivery_to):
        return None
    delivered_on = timezone.localtime(shipment.delivered_at, shipment.merchant.tzinfo).date()
    return shipment.estimated_delivery_from <= delivered_on <= shipment.estimated_delivery_to


# --- Delivery windows ------------------------------------------------------------------------------


def carrier_setting_for(merchant: Merchant, carrier: str) -> CarrierSetting | None:
    return CarrierSetting.objects.filter(merchant=merchant, carrier=carrier).first()


def _transit_days_history(shipment: Shipment) -> list[int]:
    tz = shipment.merchant.tzinfo
    rows = (
        Shipment.objects.filter(
            merchant=shipment.merchant,
            carrier=shipment.carrier,
            order__shipping_country=shipment.order.shipping_country,
            status=S.DELIVERED,
            shipped_at__isnull=False,
            delivered_at__isnull=False,
        )
        .exclude(pk=shipment.pk)
        .order_by("-delivered_at")
        .values_list("shipped_at", "delivered_at")[:HISTORY_SAMPLE]
    )
    country = shipment.order.shipping_country
    return [
        windows.business_days_between(timezone.localtime(s, tz).date(), timezone.localtime(d, tz).date(), country)
        for s, d in rows
    ]


def _carrier_default_days(shipment: Shipment) -> tuple[int, int]:
    setting = carrier_setting_for(shipment.merchant, shipment.carrier)
    default = carriers.default_transit_days(shipment.carrier)
    if setting and setting.default_transit_min_days is not None and setting.default_transit_max_days is not None:
        low, high = sorted((setting.default_transit_min_days, setting.default_transit_max_days))
        return (low, high)
    return default


def _window_estimate(shipment: Shipment) -> None:
    """Our estimate from this merchant's own deliveries (or the carrier default) until the carrier gives a date."""
    if shipment.shipped_at is None or shipment.estimate_source == "carrier":
        return
    days, origin = windows.transit_range(_transit_days_history(shipment), _carrier_default_days(shipment))
    shipped_on = timezone.localtime(shipment.shipped_at, shipment.merchant.tzinfo).date()
    shipment.estimated_delivery_from, shipment.estimated_delivery_to = windows.window_for(
        shipped_on, days, shipment.order.shipping_country
    )
    shipment.estimate_source = origin


def _promise_record(shipment: Shipment) -> None:
    """Keep the window shown when the parcel shipped; later estimates (the carrier's) never change it."""
    if shipment.promised_delivery_to is not None or shipment.direction != ShipmentDirection.OUTBOUND:
        return
    if shipment.shipped_at is None or shipment.estimated_delivery_to is None:
        return
    shipment.promised_delivery_from = shipment.estimated_delivery_from
    shipment.promised_delivery_to = shipment.estimated_delivery_to


# --- Delays ------------------------------------------------------------------------------------------


def delay_threshold_days(merchant: Merchant, carrier: str) -> int:
    setting = carrier_setting_for(merchant, carrier)
    return setting.delay_threshold_days if setting else DEFAULT_DELAY_THRESHOLD_DAYS


def delay_reason_for(shipment: Shipment, *, now: datetime, threshold_days: int) -> str:
    """Why this shipment is late, or "" if it is not."""
    if shipment.cancelled_at is not None:
        return ""
    if shipment.status in PROBLEMS:
        return shipment.status
    if shipment.status == S.DELIVERED:
        return ""
    if shipment.status in (S.IN_TRANSIT, S.OUT_FOR_DELIVERY):
        last_news = shipment.last_event_at or shipment.shipped_at
        if last_news and now - last_news > timedelta(days=threshold_days):
            return DelayReason.NO_NEWS
    if shipment.estimated_delivery_to and shipment.status != S.AVAILABLE_FOR_PICKUP:
        today = timezone.localtime(now, shipment.merchant.tzinfo).date()
        if today > shipment.estimated_delivery_to:
            return DelayReason.WINDOW_PASSED
    return ""


def _delay_refresh(shipment: Shipment, *, now: datetime | None = None) -> None:
    """Mark or clear the delay. shipment.delayed is recorded once per shipment and reason, never per check."""
    now = now or timezone.now()
    reason = delay_reason_for(
        shipment, now=now, threshold_days=delay_threshold_days(shipment.merchant, shipment.carrier)
    )
    if not reason:
        shipment.is_delayed, shipment.delay_reason, shipment.delayed_at = False, "", None
        return
    if shipment.is_delayed and shipment.delay_reason == reason:
        return
    shipment.is_delayed, shipment.delay_reason, shipment.delayed_at = True, reason, now
    kind = shipment_event_kind(shipment, "delayed")
    already_told = OrderEvent.objects.filter(
        merchant=shipment.merchant,
        order=shipment.order,
        kind=kind,
        payload__shipment_id=shipment.pk,
        payload__reason=reason,
    ).exists()
    if not already_told:
        event_record(
            merchant=shipment.merchant,
            kind=kind,
            order=shipment.order,
            payload={"shipment_id": shipment.pk, "order_id": shipment.order_id, "reason": reason},
            occurred_at=now,
        )


def shipment_delay_check(*, merchant: Merchant, shipment_id: int, now: datetime | None = None) -> Shipment:
    """The periodic check for one shipment."""
    with merchant_scope(merchant), transaction.atomic():
        shipment = (
            Shipment.all_directions.select_for_update()
            .select_related("order", "merchant")
            .get(merchant=merchant, pk=shipment_id)
        )
        before = (shipment.is_delayed, shipment.delay_reason)
        _delay_refresh(shipment, now=now)
        if (shipment.is_delayed, shipment.delay_reason) != before:
            shipment.save(update_fields=["is_delayed", "delay_reason", "delayed_at", "updated_at"])
            order_cache_version_bump(shipment.order_id)  # clearing a delay records no event
    return shipment


def shipment_cancel(*, merchant: Merchant, shipment: Shipment, cancelled_at: datetime | None = None) -> bool:
    """The shop cancelled this fulfillment. It stays on the order's record for staff, but is no longer
    polled, checked for delays or shown on the tracking page. Returns True when cancelled now."""
    with merchant_scope(merchant), transaction.atomic():
        locked = Shipment.all_directions.select_for_update().get(merchant=merchant, pk=shipment.pk)
        if locked.cancelled_at is not None:
            return False
        locked.cancelled_at = cancelled_at or timezone.now()
        locked.is_delayed, locked.delay_reason, locked.delayed_at = False, "", None
        locked.save(update_fields=["cancelled_at", "is_delayed", "delay_reason", "delayed_at", "updated_at"])
        event_record(
            merchant=merchant,
            kind=shipment_event_kind(locked, "cancelled"),
            order=locked.order,
            payload={"shipment_id": locked.pk, "tracking_number": locked.tracking_number},
            occurred_at=locked.cancelled_at,
        )
    return True


# --- Events from providers and polling -------------------------------------------------------------


@dataclass(frozen=True)
class ProviderEvent:
    """One carrier scan as a provider or a polling adapter reports it, already in our vocabulary."""

    status: str
    occurred_at: datetime
    description: str = ""
    substatus: str = ""
    city: str = ""
    country: str = ""
    raw: dict | None = None


@dataclass
class ApplyResult:
    added: int = 0
    duplicates: int = 0
    unmatched: int = 0
    rejected: list[str] | None = None


def provider_events_apply(
    *,
    merchant: Merchant,
    source: str,
    tracking_number: str,
    events: list[ProviderEvent],
    carrier: str = "",
    estimated_delivery: date | None = None,
    delivery=None,
) -> ApplyResult:
    """Apply a provider's events to the shipment with this number; keep them as unmatched if none has it.

    Events we refuse (dated in the future or before the order) are skipped and listed in the result.
    """
    number = carriers.normalize_number(tracking_number)
    result = ApplyResult(rejected=[])
    with merchant_scope(merchant), transaction.atomic():
        shipment = (
            Shipment.all_directions.filter(merchant=merchant, tracking_number=number)
            .order_by("-created_at", "-id")
            .first()
            if number
            else None
        )
        if shipment is None:
            for event in events or [None]:
                _unmatched_record(merchant, source, number, carrier, event, delivery)
                result.unmatched += 1
            return result
        for index, event in enumerate(events):
            try:
                _event, created = tracking_event_add(
                    merchant=merchant,
                    shipment=shipment,
                    status=event.status,
                    occurred_at=event.occurred_at,
                    source=source,
                    description=event.description,
                    substatus=event.substatus,
                    city=event.city,
                    country=event.country,
                    raw=event.raw,
                    estimated_delivery=estimated_delivery if index == len(events) - 1 else None,
                )
            except TrackingEventError as exc:
                result.rejected.append(f"event {index + 1} ({event.status} at {event.occurred_at}): {exc}")
                continue
            result.added += created
            result.duplicates += not created
        if not events and estimated_delivery is not None:
            _carrier_estimate_set(shipment, estimated_delivery)
    return result


def _carrier_estimate_set(shipment: Shipment, day: date) -> None:
    shipment.estimated_delivery_from = shipment.estimated_delivery_to = day
    shipment.estimate_source = "carrier"
    shipment.save(update_fields=["estimated_delivery_from", "estimated_delivery_to", "estimate_source", "updated_at"])
    order_cache_version_bump(shipment.order_id)


def _unmatched_record(merchant, source, number, carrier, event: ProviderEvent | None, delivery) -> None:
    UnmatchedTrackingEvent.objects.create(
        merchant=merchant,
        source=source[:20],
        tracking_number=number[:64],
        carrier=(carrier or "")[:40],
        status=event.status if event and event.status in VALID_STATUSES else "",
        description=(event.description if event else "")[:500],
        occurred_at=event.occurred_at if event else None,
        raw=(event.raw if event else None) or {},
        delivery=delivery,
    )


def unmatched_event_resolve(*, merchant: Merchant, unmatched_id: int) -> UnmatchedTrackingEvent:
    with merchant_scope(merchant), transaction.atomic():
        unmatched = UnmatchedTrackingEvent.objects.select_for_update().get(merchant=merchant, pk=unmatched_id)
        if unmatched.resolved_at is None:
            unmatched.resolved_at = timezone.now()
            unmatched.save(update_fields=["resolved_at"])
    return unmatched


# --- Settings ------------------------------------------------------------------------------------


def carrier_setting_save(
    *,
    merchant: Merchant,
    carrier: str,
    delay_threshold_days: int,
    polling_adapter: str = "",
    default_transit_min_days: int | None = None,
    default_transit_max_days: int | None = None,
) -> CarrierSetting:
    with merchant_scope(merchant), transaction.atomic():
        setting, _created = CarrierSetting.objects.update_or_create(
            merchant=merchant,
            carrier=carrier,
            defaults={
                "delay_threshold_days": delay_threshold_days,
                "polling_adapter": polling_adapter,
                "default_transit_min_days": default_transit_min_days,
                "default_transit_max_days": default_transit_max_days,
            },
        )
    return setting


# --- The customer's side -----------------------------------------------------------------------------


PAGE_VIEWS_FLUSH_BATCH = 1000
PAGE_VIEWS_FLUSH_MAX_BATCHES = 100  # per run: a backlog is worked off over several runs, not in one long task


def tracking_page_view_record(*, merchant: Merchant, order: Order, language: str = "") -> None:
    """Counts one view of the order's tracking page. Where the cache is Redis the view waits in a list
    (tracking/view_buffer.py) until `tracking_page_views_flush` writes it; elsewhere it is inserted now."""
    view = view_buffer.View(merchant.pk, order.pk, language[:8], timezone.now())
    if not view_buffer.push(view):
        with merchant_scope(merchant):
            TrackingPageView.objects.create(merchant=merchant, order=order, language=view.language)


def tracking_page_views_flush() -> int:
    """Writes the buffered page views in bulk; returns how many were written.

    Each batch is popped atomically, so runs that overlap never write a view twice. A batch whose insert
    fails is put back for the next run; a batch whose run dies between the pop and the commit, or whose
    COMMIT fails, is not (it may have been written): a count can come out low, never high.
    """
    written = 0
    for _batch in range(PAGE_VIEWS_FLUSH_MAX_BATCHES):
        items = view_buffer.pop(PAGE_VIEWS_FLUSH_BATCH)
        if items:
            written += _page_views_write(items)
        if len(items) < PAGE_VIEWS_FLUSH_BATCH:
            break
    return written


def _page_views_write(items: list[bytes]) -> int:
    with transaction.atomic():
        try:
            written = _page_views_insert(items)
            if connection.vendor == "postgresql":
                # Foreign keys are checked at COMMIT by default: an order deleted meanwhile must fail here,
                # where the batch can still go back, not in the COMMIT.
                connection.check_constraints()
        except Exception:
            view_buffer.push_back(items)
            raise
    return written


def _page_views_insert(items: list[bytes]) -> int:
    views = []
    for raw in items:
        try:
            views.append(view_buffer.View.loads(raw))
        except (ValueError, TypeError):
            logger.warning("unreadable buffered page view dropped: %r", raw[:200])
    with unscoped():  # a batch spans shops: each view is kept only with the shop that owns its order
        owners = dict(Order.objects.filter(pk__in={v.order_id for v in views}).values_list("pk", "merchant_id"))
        rows = [
            TrackingPageView(merchant_id=v.merchant_id, order_id=v.order_id, language=v.language, viewed_at=v.viewed_at)
            for v in views
            if owners.get(v.order_id) == v.merchant_id
        ]
        TrackingPageView.objects.bulk_create(rows)
    return len(rows)


def wismo_contact_create(*, merchant: Merchant, order: Order, reason: str, message: str = "") -> WismoContact:
    """Record the customer's question and email the merchant's support address after commit."""
    if reason not in WismoContact.Reason.values:
        raise TrackingEventError({"reason": "Choose one of the reasons offered."})
    with merchant_scope(merchant), transaction.atomic():
        contact = WismoContact.objects.create(merchant=merchant, order=order, reason=reason, message=message[:2000])
        contact_id = contact.pk
        transaction.on_commit(lambda: _wismo_email_enqueue(merchant.pk, contact_id))
    return contact


def _wismo_email_enqueue(merchant_id: int, contact_id: int) -> None:
    from .tasks import send_wismo_email

    send_wismo_email.delay(merchant_id, contact_id)


def recommendation_click_record(*, merchant: Merchant, order: Order, product: Product) -> RecommendationClick:
    with merchant_scope(merchant):
        return RecommendationClick.objects.create(merchant=merchant, order=order, product=product)
