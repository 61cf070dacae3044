"""Reads of customers and orders, always for one merchant, with related rows loaded up front."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.event_kinds import event_detail, event_label
from core.scoping import get_for_merchant, merchant_scope
from merchants.models import Merchant

from .models import Customer, FinancialStatus, FulfillmentStatus, LineItem, Order, OrderEvent, Refund
from .sections import order_sections

CANCELLED = "cancelled"


def order_status_choices() -> list[tuple[str, str]]:
    """One `status` filter over the three dimensions of an order's state."""
    return [
        *FinancialStatus.choices,
        *FulfillmentStatus.choices,
        (CANCELLED, _("Cancelled")),
    ]


def order_status_q(status: str) -> Q:
    if status == CANCELLED:
        return Q(cancelled_at__isnull=False)
    if status in FinancialStatus.values:
        return Q(financial_status=status)
    if status in FulfillmentStatus.values:
        return Q(fulfillment_status=status)
    raise ValueError(f"unknown order status {status!r}")


def order_email_q(email: str) -> Q:
    """The order's contact email or its customer's, case-insensitively."""
    return Q(email__iexact=email) | Q(customer__email__iexact=email)


def order_number_q(number: str) -> Q:
    """'1001' finds '#1001' too: people type numbers without the shop's prefix."""
    number = number.strip()
    return Q(number=number) | Q(number=f"#{number.lstrip('#')}")


def order_list(*, merchant: Merchant) -> QuerySet[Order]:
    """Orders with their customer, line items and every registered section (shipments, messages…)
    loaded in a fixed number of queries."""
    return (
        Order.objects.filter(merchant=merchant)
        .select_related("customer")
        .prefetch_related(
            Prefetch("line_items", queryset=LineItem.objects.filter(merchant=merchant).order_by("id")),
            *(section.prefetch(merchant) for section in order_sections() if section.prefetch is not None),
        )
        .order_by("-placed_at", "-id")
    )


def order_search(*, merchant: Merchant, query: str = "", status: str = "") -> QuerySet[Order]:
    """The dashboard's list: a number or an email in `query`, and one status."""
    orders = Order.objects.filter(merchant=merchant).select_related("customer").order_by("-placed_at", "-id")
    query = query.strip()
    if query:
        orders = orders.filter(order_email_q(query) if "@" in query else order_number_q(query))
    if status:
        orders = orders.filter(order_status_q(status))
    return orders


def order_get(*, merchant: Merchant, pk) -> Order:
    """One order with its customer, items and shipments; 404 when missing or another merchant's."""
    try:
        return order_list(merchant=merchant).get(pk=pk)
    except (Order.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc


GIFT_CARD_GATEWAY = "gift_card"  # Shopify's name for a gift card payment in payment_gateway_names


@dataclass(frozen=True)
class DiscountCode:
    code: str
    amount: Decimal
    type: str  # Shopify's percentage, fixed_amount, shipping; "" for WooCommerce coupons


@dataclass(frozen=True)
class PaymentFacts:
    """How an order was paid, as its shop said: what spend sync and referral attribution read."""

    currency: str
    discount_codes: list[DiscountCode]
    payment_gateways: list[str]
    exchange_for_rma: str  # "" unless the order is the exchange made for that return

    @property
    def paid_with_gift_card(self) -> bool:
        return GIFT_CARD_GATEWAY in self.payment_gateways

    @property
    def codes(self) -> set[str]:
        """The codes used, upper-cased: shops compare codes regardless of case."""
        return {discount.code.upper() for discount in self.discount_codes}


def order_payment_facts(order: Order) -> PaymentFacts:
    """The discount codes, payment gateways and exchange mark stored on the order (no query)."""
    return PaymentFacts(
        currency=order.currency,
        discount_codes=[
            DiscountCode(code=entry["code"], amount=Decimal(entry["amount"]), type=entry.get("type", ""))
            for entry in order.discount_codes or []
        ],
        payment_gateways=list(order.payment_gateways or []),
        exchange_for_rma=order.exchange_for_rma,
    )


def customer_list(*, merchant: Merchant) -> QuerySet[Customer]:
    return (
        Customer.objects.filter(merchant=merchant).annotate(orders_count=Count("orders")).order_by("-created_at", "-id")
    )


def customer_get(*, merchant: Merchant, pk) -> Customer:
    return get_for_merchant(Customer, merchant=merchant, pk=pk)


def customer_orders(*, merchant: Merchant, customer: Customer) -> QuerySet[Order]:
    return (
        Order.objects.filter(merchant=merchant, customer=customer)
        .select_related("customer")
        .order_by("-placed_at", "-id")
    )


# --- The timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    kind: str  # e.g. order.created, shipment.delivered, email.sent
    label: str  # what a person reads in the dashboard
    detail: str = ""  # one line of specifics, e.g. "12.50 EUR" or "colissimo 6A123"
    source: str = "order"  # which app the entry comes from
    payload: dict = field(default_factory=dict)


TimelineSource = Callable[[Order], Iterable[TimelineEntry]]
_timeline_sources: list[TimelineSource] = []


def timeline_source_register(source: TimelineSource) -> None:
    """Let another app add its entries (emails sent, returns, surveys...) to every order's timeline.

    Call it from the app's AppConfig.ready(); `source(order)` runs inside the order's merchant scope.
    """
    if source not in _timeline_sources:
        _timeline_sources.append(source)


def order_timeline(order: Order) -> list[TimelineEntry]:
    """Everything that happened to the order, oldest first: its events and every registered source."""
    entries = [
        TimelineEntry(
            occurred_at=event.occurred_at,
            kind=event.kind,
            label=event_label(event.kind),
            detail=event_detail(event.kind, event.payload),
            source="order",
            payload=event.payload,
        )
        for event in OrderEvent.objects.filter(merchant_id=order.merchant_id, order=order).order_by("occurred_at", "id")
    ]
    for source in _timeline_sources:
        entries.extend(source(order))
    return sorted(entries, key=lambda entry: entry.occurred_at)


# --- A customer's own timeline: what concerns them apart from their orders (points, surveys…) -------
CustomerTimelineSource = Callable[[Customer], Iterable[TimelineEntry]]
_customer_timeline_sources: list[CustomerTimelineSource] = []

CUSTOMER_TIMELINE_LENGTH = 50  # the newest entries of each source: the page stays short for loyal customers


def customer_timeline_source_register(source: CustomerTimelineSource) -> None:
    """Let another app add entries about a customer (emails about them, rewards…) to their page.

    `source(customer)` runs inside the customer's merchant scope and gives at most
    CUSTOMER_TIMELINE_LENGTH entries, newest first.
    """
    if source not in _customer_timeline_sources:
        _customer_timeline_sources.append(source)


def customer_timeline(customer: Customer) -> list[TimelineEntry]:
    """Events about the customer (not about one of their orders) and every registered source, newest first."""
    events = OrderEvent.objects.filter(merchant_id=customer.merchant_id, customer=customer, order__isnull=True)
    entries = [
        TimelineEntry(
            occurred_at=event.occurred_at,
            kind=event.kind,
            label=event_label(event.kind),
            detail=event_detail(event.kind, event.payload),
            source="customer",
            payload=event.payload,
        )
        for event in events.order_by("-occurred_at", "-id")[:CUSTOMER_TIMELINE_LENGTH]
    ]
    for source in _customer_timeline_sources:
        entries.extend(source(customer))
    entries.sort(key=lambda entry: entry.occurred_at, reverse=True)
    return entries[:CUSTOMER_TIMELINE_LENGTH]


# --- Counted orders for figures computed in Python (the SQLite demo's engines) -----------------------


@dataclass(frozen=True)
class CountedOrder:
    """A counted order (docs/kpis.md) as the small-shop figures read it, with its refunds."""

    id: int
    customer_id: int | None
    currency: str
    total: Decimal
    placed_at: datetime
    refunds: tuple[tuple[Decimal, datetime], ...]

    def net(self, as_of: datetime) -> Decimal:
        """Its total minus the refunds recorded before as_of."""
        return self.total - sum((amount for amount, at in self.refunds if at < as_of), Decimal(0))


def counted_orders_of(merchant: Merchant):
    """Counted orders (docs/kpis.md): not cancelled, not test orders, not exchange orders."""
    return Order.objects.filter(merchant=merchant, cancelled_at__isnull=True, test=False, exchange_for_rma="")


def counted_orders_with_refunds(merchant: Merchant, start: datetime | None, end: datetime) -> list[CountedOrder]:
    """The counted orders placed in [start, end) (from the first when start is None), by placing time,
    each with its refunds: two queries."""
    placed = {"placed_at__lt": end} | ({"placed_at__gte": start} if start else {})
    with merchant_scope(merchant):
        rows = counted_orders_of(merchant).filter(**placed).order_by("placed_at", "id")
        rows = rows.values_list("id", "customer_id", "currency", "total", "placed_at")
        order_placed = {f"order__{name}": value for name, value in placed.items()}
        refunds = defaultdict(list)
        for order_id, amount, at in Refund.objects.filter(merchant=merchant, **order_placed).values_list(
            "order_id", "amount", "refunded_at"
        ):
            refunds[order_id].append((amount, at))
        return [CountedOrder(*row, refunds=tuple(refunds[row[0]])) for row in rows]
