"""Reads about shipments, always inside one merchant."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from catalogue.models import RecommendationRule
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import LineItem, Order

from . import carriers, windows
from .models import (
    CarrierSetting,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    UnmatchedTrackingEvent,
)
from .status import PROBLEMS, status_step

S = ShipmentStatus
ACTIVE_STATUSES = [S.PENDING, S.INFO_RECEIVED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.AVAILABLE_FOR_PICKUP]
ACTIVE_STATUSES += [S.ATTEMPT_FAILED, S.EXCEPTION]


def shipments_for(*, merchant: Merchant, carrier: str = "", status: str = "", delayed: bool | None = None) -> QuerySet:
    qs = Shipment.objects.filter(merchant=merchant).select_related("order").order_by("-created_at", "-id")
    if carrier:
        qs = qs.filter(carrier=carrier)
    if status:
        qs = qs.filter(status=status)
    if delayed is not None:
        qs = qs.filter(is_delayed=delayed)
    return qs


def needs_attention(*, merchant: Merchant) -> QuerySet:
    """Late shipments and shipments with a problem, oldest problem first."""
    return (
        Shipment.objects.filter(merchant=merchant)
        .filter(Q(is_delayed=True) | Q(status__in=list(PROBLEMS)), cancelled_at__isnull=True)
        .exclude(status=S.DELIVERED)
        .select_related("order")
        .order_by("delayed_at", "id")
    )


def shipment_with_events(*, merchant: Merchant, pk: int) -> Shipment:
    """One shipment with its events (newest first); Shipment.DoesNotExist for missing or foreign ids."""
    events = TrackingEvent.objects.filter(merchant=merchant).order_by("-occurred_at", "-id")
    return (
        Shipment.objects.filter(merchant=merchant)
        .select_related("order")
        .prefetch_related(Prefetch("events", queryset=events))
        .get(pk=pk)
    )


def carrier_settings(*, merchant: Merchant) -> list[CarrierSetting]:
    return list(CarrierSetting.objects.filter(merchant=merchant))


def carriers_in_use(*, merchant: Merchant) -> list[str]:
    used = set(Shipment.objects.filter(merchant=merchant).values_list("carrier", flat=True).distinct())
    return sorted(used | {s.carrier for s in carrier_settings(merchant=merchant)})


def unmatched_events(*, merchant: Merchant) -> QuerySet:
    return UnmatchedTrackingEvent.objects.filter(merchant=merchant, resolved_at__isnull=True)


def order_by_number_and_email(*, merchant: Merchant, number: str, email: str) -> Order | None:
    """The order only when both match (the '#' of the number is optional; email case is ignored)."""
    number = number.strip()
    email = email.strip()
    if not number or not email:
        return None
    numbers = {number, number.lstrip("#"), "#" + number.lstrip("#")}
    return (
        Order.objects.filter(merchant=merchant, number__in=numbers, email__iexact=email).order_by("-placed_at").first()
    )


# --- The tracking page -------------------------------------------------------------------------------


@dataclass
class EventView:
    status: str
    status_label: str
    description: str
    place: str
    occurred_at: datetime  # aware; shown in the time zone active when the page renders


@dataclass
class ShipmentView:
    pk: int
    carrier_name: str
    tracking_number: str
    tracking_url: str
    status: str
    status_label: str
    step: int
    window_from: date | None
    window_to: date | None
    delivered_at: datetime | None
    is_delayed: bool
    delay_reason: str
    problem: bool
    items: list[str]
    events: list[EventView] = field(default_factory=list)

    @property
    def window_text(self) -> str:
        """In the language active when the page renders."""
        if self.status == S.DELIVERED:
            return ""
        return windows.format_window(self.window_from, self.window_to)


def _place(event: TrackingEvent) -> str:
    return ", ".join(part for part in (event.city, event.country) if part)


@dataclass(frozen=True)
class PurchasedItem:
    """What suggestions need to know about a line item; plain data, so it can be cached."""

    product_id: str
    product_type: str
    tags: list


def tracking_page_order(*, merchant_id: int, order_id: int) -> Order | None:
    """The order of a tracking link with its merchant, its customer and the merchant's suggestion mode
    (`recommendation_mode`, None without a rule), in one query; None if the order or merchant is missing."""
    with merchant_scope(merchant_id):
        rule_mode = RecommendationRule.objects.filter(merchant_id=OuterRef("merchant_id")).values("mode")[:1]
        return (
            Order.objects.filter(merchant_id=merchant_id, pk=order_id)
            .select_related("merchant", "customer")
            # What the page reads of the order and customer: they are wide, and this runs on every view.
            .only("number", "language", "created_at", "merchant_id", "customer__language", "customer__time_zone")
            .annotate(recommendation_mode=Subquery(rule_mode))
            .first()
        )


def tracking_page_data(*, merchant: Merchant, order: Order) -> dict:
    """The order's shipments and line items as the tracking page shows them, in a fixed number of queries.

    Labels and times are rendered later, in the customer's language and time zone.
    """
    events = TrackingEvent.objects.filter(merchant=merchant).order_by("-occurred_at", "-id")
    shipments = (
        Shipment.objects.filter(merchant=merchant, cancelled_at__isnull=True)  # cancelled: not the customer's concern
        .prefetch_related(
            Prefetch(
                "events", queryset=events.only("shipment_id", "status", "description", "city", "country", "occurred_at")
            ),
            Prefetch("line_items", queryset=LineItem.objects.filter(merchant=merchant).only("id", "title", "quantity")),
        )
        .order_by("created_at", "id")
    )
    line_items = list(LineItem.objects.filter(merchant=merchant, order=order).order_by("id"))
    labels = dict(S.choices)  # lazy labels: translated when the page renders
    views = []
    for shipment in shipments.filter(order=order):
        views.append(
            ShipmentView(
                pk=shipment.pk,
                carrier_name=carriers.carrier_name(shipment.carrier),
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url,
                status=shipment.status,
                status_label=labels.get(shipment.status, shipment.status),
                step=status_step(shipment.status),
                window_from=shipment.estimated_delivery_from,
                window_to=shipment.estimated_delivery_to,
                delivered_at=shipment.delivered_at,
                is_delayed=shipment.is_delayed,
                delay_reason=shipment.delay_reason,
                # A parcel delivered late is delivered: the page says when, not that it is late.
                problem=(shipment.is_delayed and shipment.status != S.DELIVERED) or shipment.status in PROBLEMS,
                items=[f"{item.quantity} × {item.title}" for item in shipment.line_items.all()],
                events=[
                    EventView(
                        status=e.status,
                        status_label=labels.get(e.status, e.status),
                        description=e.description,
                        place=_place(e),
                        occurred_at=e.occurred_at,
                    )
                    for e in shipment.events.all()
                ],
            )
        )
    purchased = [PurchasedItem(item.product_id, item.product_type, item.tags) for item in line_items]
    return {"line_items": line_items, "shipments": views, "purchased": purchased}
