"""Fulfillments: the shop says parcels left; tracking turns each into a shipment and tells orders
what the order's fulfillment status has become."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from core.inputs import check_aware, check_length, check_web_url
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import FulfillmentStatus, LineItem, Order
from orders.services import OrderValidationError, order_fulfillment_status_set, order_lock

from .models import Shipment
from .services import shipment_cancel, shipment_upsert


def _fulfillment_status_from_shipments(order: Order) -> str:
    shipments = Shipment.objects.filter(merchant=order.merchant, order=order, cancelled_at__isnull=True)
    to_ship = {
        pk
        for pk, quantity, refunded in LineItem.objects.filter(order=order).values_list(
            "pk", "quantity", "quantity_refunded"
        )
        if quantity > refunded
    }
    if not shipments.exists():
        return FulfillmentStatus.UNFULFILLED
    # A shipment that lists no items carries the whole order.
    if shipments.filter(line_items__isnull=True).exists():
        return FulfillmentStatus.FULFILLED
    shipped = set(
        Shipment.line_items.through.objects.filter(shipment__in=shipments).values_list("lineitem_id", flat=True)
    )
    return FulfillmentStatus.FULFILLED if to_ship <= shipped else FulfillmentStatus.PARTIAL


def fulfillment_add(
    *,
    merchant: Merchant,
    order: Order,
    tracking_number: str = "",
    carrier: str = "",
    tracking_url: str = "",
    external_id: str = "",
    service: str = "",
    status_hint: str = "",
    line_item_ids: list[int] | None = None,
    line_item_external_ids: list[str] | None = None,
    shipped_at: datetime | None = None,
    source: str = "api",
) -> tuple[Shipment, bool]:
    """Create or update the shipment of a fulfillment and move the order's fulfillment status forward.

    Items may be named by our ids or the shop's; none means the whole order. Returns
    (shipment, created). Records order.fulfilled once every item has shipped.
    """
    errors: dict[str, str] = {}
    check_length(errors, "tracking_number", tracking_number, 64)
    check_length(errors, "external_id", external_id, 64)
    check_length(errors, "carrier", carrier, 40)
    check_length(errors, "tracking_url", tracking_url, 500)
    check_web_url(errors, "tracking_url", tracking_url)
    check_aware(errors, "shipped_at", shipped_at)
    if not errors and not tracking_number.strip() and not external_id.strip():
        errors["tracking_number"] = "Give the tracking number of the shipment."
    if errors:
        raise OrderValidationError(errors)
    with merchant_scope(merchant), transaction.atomic():
        order = order_lock(merchant, order)
        items = LineItem.objects.filter(order=order)
        ids = set()
        if line_item_ids:
            found = set(items.filter(pk__in=line_item_ids).values_list("pk", flat=True))
            if missing := [pk for pk in line_item_ids if pk not in found]:
                errors["line_item_ids"] = f"This order has no line items with ids {missing}."
            ids |= found
        if line_item_external_ids:
            pairs = dict(items.filter(external_id__in=line_item_external_ids).values_list("external_id", "pk"))
            if missing := [ext for ext in line_item_external_ids if ext not in pairs]:
                errors["line_item_external_ids"] = f"This order has no line items with external ids {missing}."
            ids |= set(pairs.values())
        if errors:
            raise OrderValidationError(errors)
        known_ids = set(Shipment.objects.filter(merchant=merchant, order=order).values_list("pk", flat=True))
        shipment = shipment_upsert(
            merchant=merchant,
            order=order,
            external_id=external_id.strip(),
            tracking_number=tracking_number.strip(),
            carrier_hint=carrier.strip(),
            tracking_url=tracking_url.strip(),
            service=service,
            status_hint=status_hint,
            line_item_ids=sorted(ids) or None,
            shipped_at=shipped_at,
            source=source,
        )
        _fulfillment_status_advance(order)
        return shipment, shipment.pk not in known_ids


def fulfillment_cancel(
    *, merchant: Merchant, order: Order, external_id: str, cancelled_at: datetime | None = None
) -> int:
    """The shop cancelled a fulfillment: its shipments (one per tracking number) are cancelled and the
    order's fulfillment status follows the shipments left, backwards too. Returns how many were cancelled now."""
    with merchant_scope(merchant), transaction.atomic():
        order = order_lock(merchant, order)
        shipments = Shipment.objects.filter(merchant=merchant, order=order).filter(
            Q(external_id=external_id) | Q(external_id__startswith=f"{external_id}:")
        )
        cancelled = sum(
            shipment_cancel(merchant=merchant, shipment=shipment, cancelled_at=cancelled_at) for shipment in shipments
        )
        if cancelled:
            order_fulfillment_status_set(order=order, status=_fulfillment_status_from_shipments(order), backwards=True)
        return cancelled


def _fulfillment_status_advance(order: Order) -> None:
    order_fulfillment_status_set(order=order, status=_fulfillment_status_from_shipments(order))
