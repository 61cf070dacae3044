"""Write the demo shops into the database.

History is written with bulk inserts, not through the services: the services would send
order emails and webhooks for events a year old. Every OrderEvent written here is marked
published for the same reason, so the outbox sweep leaves it alone.

Idempotent: orders are keyed by their external id, so a second run finds them and writes
nothing. Other apps add their own demo rows in a `demo_data.py` module with a
`seed_demo(context: DemoContext)` function; it is called after the core history with the
orders created in this run (a second run passes none, which keeps extensions idempotent too).
"""

import importlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from random import Random

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.templatetags.static import static
from django.utils import timezone
from django.utils.text import slugify

from core.scoping import merchant_scope, unscoped
from merchants.models import Membership, Merchant, Role, User
from merchants.services import merchant_create
from orders.events import NewEvent, events_record
from orders.models import Customer, FinancialStatus, FulfillmentStatus, LineItem, Order, Refund
from orders.services import NewOrder, orders_write_new
from tracking.models import Shipment, TrackingEvent

from . import catalogue as cat
from .messages import messages_seed
from .plans import DemoShop, OrderPlan, plan_orders

logger = logging.getLogger(__name__)
BATCH = 250
SOURCE = "demo"

NAMES = {
    "fr": (cat.FRENCH_FIRST_NAMES, cat.FRENCH_LAST_NAMES, cat.FRENCH_STREETS),
    "en": (cat.ENGLISH_FIRST_NAMES, cat.ENGLISH_LAST_NAMES, cat.ENGLISH_STREETS),
}
FRENCH_MARKET = (
    tuple((city, code, "FR", weight) for city, code, weight in cat.FRENCH_CITIES) + cat.FRENCH_SPEAKING_ABROAD
)
EU_VAT = Decimal("20")

MAISON_LUMIERE = DemoShop(
    name="Maison Lumière",
    slug="maison-lumiere",
    language="fr",
    time_zone="Europe/Paris",
    currency="EUR",
    products=cat.MAISON_LUMIERE_PRODUCTS,
    markets=(("fr", 72, FRENCH_MARKET), ("en", 28, cat.ENGLISH_CITIES)),
    shipping=cat.SHIPPING_BY_COUNTRY,
    vat_rates={"FR": EU_VAT, "BE": EU_VAT, "LU": EU_VAT, "IE": EU_VAT},
    default_orders=1500,
    id_base=5_901_000,
    sku_prefix="ML-",
    branding={
        "primary_color": "#9a4a2a",
        "support_email": "bonjour@maison-lumiere.example",
        "sender_name": "Maison Lumière",
        "sender_email": "bonjour@maison-lumiere.example",
        "website_url": "https://maison-lumiere.example",
    },
)
WILD_FERN = DemoShop(
    name="Wild Fern Ceramics",
    slug="wild-fern",
    language="en",
    time_zone="Europe/London",
    currency="GBP",
    products=cat.WILD_FERN_PRODUCTS,
    markets=(("en", 1, tuple(c for c in cat.ENGLISH_CITIES if c[2] in ("GB", "IE"))),),
    shipping=cat.WILD_FERN_SHIPPING,
    vat_rates={"GB": EU_VAT},
    default_orders=60,
    id_base=3_402_000,
    sku_prefix="WF-",
    branding={
        "primary_color": "#2f6b4f",
        "support_email": "hello@wild-fern.example",
        "sender_name": "Wild Fern Ceramics",
        "sender_email": "hello@wild-fern.example",
        "website_url": "https://wild-fern.example",
    },
)
SHOPS = (MAISON_LUMIERE, WILD_FERN)

OWNER_EMAIL = "demo@maison-lumiere.example"
TEAMMATES = (
    ("camille.dubois@maison-lumiere.example", "Camille Dubois", Role.AGENT),
    ("hugo.martin@maison-lumiere.example", "Hugo Martin", Role.VIEWER),
)


@dataclass
class DemoContext:
    """What a `demo_data.seed_demo(context)` extension receives."""

    shop: DemoShop
    merchant: Merchant
    now: datetime
    created_order_ids: list[int] = field(default_factory=list)

    def rng(self, name: str) -> Random:
        """A generator of its own per extension, so adding one does not shift the others."""
        return Random(f"{self.shop.slug}:{name}")


@dataclass
class SeedResult:
    merchant: Merchant
    orders_planned: int
    orders_created: int


# --- Merchants and staff ------------------------------------------------------------------


def staff_ensure(*, password: str) -> User:
    """The demo owner (password reset on every run so the printed login works) and two teammates."""
    owner = User.objects.filter(email=OWNER_EMAIL).first() or User.objects.create_user(OWNER_EMAIL, password)
    owner.full_name = owner.full_name or "Élodie Lambert"
    owner.set_password(password)
    owner.save()
    return owner


def merchant_ensure(shop: DemoShop, *, owner: User) -> Merchant:
    merchant = Merchant.objects.filter(slug=shop.slug).first()
    if merchant is None:
        merchant, _ = merchant_create(
            name=shop.name,
            slug=shop.slug,
            owner_email=owner.email,
            time_zone=shop.time_zone,
            default_language=shop.language,
            currency=shop.currency,
            **shop.branding,
        )
    with merchant_scope(merchant):
        Membership.objects.get_or_create(merchant=merchant, user=owner, defaults={"role": Role.OWNER})
    return merchant


def teammates_ensure(merchant: Merchant) -> None:
    for email, full_name, role in TEAMMATES:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, full_name=full_name)  # no password: they reset it
        with merchant_scope(merchant):
            Membership.objects.get_or_create(merchant=merchant, user=user, defaults={"role": role})


# --- History ------------------------------------------------------------------------------


def customers_write(merchant: Merchant, plans: list[OrderPlan]) -> dict[str, int]:
    """Create the customers not there yet; return every demo customer's id by external id."""
    first_order = {}
    for plan in plans:
        if not plan.customer.is_guest:
            first_order.setdefault(plan.customer.external_id, plan)
    existing = dict(Customer.objects.filter(external_id__in=first_order).values_list("external_id", "pk"))
    new = [
        Customer(
            merchant=merchant,
            external_id=external_id,
            email=plan.customer.email,
            first_name=plan.customer.first_name,
            last_name=plan.customer.last_name,
            phone=plan.customer.phone,
            language=plan.customer.language,
            accepts_marketing=plan.customer.accepts_marketing,
            created_at=plan.placed_at,
        )
        for external_id, plan in first_order.items()
        if external_id not in existing
    ]
    for customer in Customer.objects.bulk_create(new, batch_size=500):
        existing[customer.external_id] = customer.pk
    return existing


def _financial_status(plan: OrderPlan) -> str:
    if plan.cancelled_at:
        return FinancialStatus.VOIDED
    if plan.refund:
        return FinancialStatus.REFUNDED if plan.refund.amount >= plan.total else FinancialStatus.PARTIALLY_REFUNDED
    return FinancialStatus.PAID


def orders_write(
    merchant: Merchant, shop: DemoShop, plans: list[OrderPlan], customer_ids: dict
) -> tuple[list[Order], dict[int, list[LineItem]]]:
    """The planned orders and their line items, through the one order writer, as history."""
    new_orders = [
        NewOrder(_order_row(merchant, shop, plan, customer_ids), _line_item_rows(merchant, shop, plan))
        for plan in plans
    ]
    orders = orders_write_new(merchant=merchant, new_orders=new_orders, past=True)
    return orders, {new.order.pk: new.line_items for new in new_orders}


def _order_row(merchant: Merchant, shop: DemoShop, plan: OrderPlan, customer_ids: dict) -> Order:
    return Order(
        merchant=merchant,
        external_id=plan.external_id,
        number=plan.number,
        customer_id=None if plan.customer.is_guest else customer_ids[plan.customer.external_id],
        email=plan.customer.email,
        language=plan.customer.language,
        placed_at=plan.placed_at,
        source_updated_at=plan.placed_at,
        currency=shop.currency,
        subtotal=plan.subtotal,
        shipping=plan.shipping,
        tax=plan.tax,
        discount=plan.discount,
        total=plan.total,
        refunded_amount=plan.refund.amount if plan.refund else Decimal("0.00"),
        financial_status=_financial_status(plan),
        fulfillment_status=FulfillmentStatus.FULFILLED if plan.shipment else FulfillmentStatus.UNFULFILLED,
        cancelled_at=plan.cancelled_at,
        cancel_reason="customer" if plan.cancelled_at else "",
        shipping_name=plan.customer.full_name,
        shipping_address1=plan.customer.street,
        shipping_city=plan.customer.city,
        shipping_postal_code=plan.customer.postal_code,
        shipping_country=plan.customer.country,
        source_platform=SOURCE,
        landing_site="/",
        referring_site=plan.referring_site,
    )


def _line_item_rows(merchant: Merchant, shop: DemoShop, plan: OrderPlan) -> list[LineItem]:
    return [
        LineItem(
            merchant=merchant,
            external_id=line.external_id,
            sku=f"{shop.sku_prefix}{line.variant_id}",
            product_id=line.product.product_id,
            variant_id=line.variant_id,
            title=line.product.title,
            variant_title=line.variant_title,
            quantity=line.quantity,
            unit_price=line.unit_price,
            product_type=line.product.product_type,
            tags=list(line.product.tags),
            image_url=product_image_url(line.product),
            quantity_refunded=_refunded_quantity(plan, position),
        )
        for position, line in enumerate(plan.lines)
    ]


def product_image_url(product: cat.Product) -> str:
    """A picture of the product's kind, served by this app (a demo reaches no outside host)."""
    return f"{settings.SITE_URL}{static(f'demo/products/{slugify(product.product_type)}.svg')}"


def _refunded_quantity(plan: OrderPlan, position: int) -> int:
    if not plan.refund:
        return 0
    return sum(quantity for index, quantity in plan.refund.lines if index == position)


def shipments_write(merchant, plans, orders, line_items) -> dict[int, Shipment]:
    shipments = {}
    for plan, order in zip(plans, orders, strict=True):
        if plan.shipment is None:
            continue
        ship = plan.shipment
        last = ship.steps[-1]
        delivered_at = next((step.at for step in ship.steps if step.status == "delivered"), None)
        shipments[order.pk] = Shipment(
            merchant=merchant,
            order=order,
            external_id=ship.external_id,
            carrier=ship.carrier,
            carrier_candidates=[ship.carrier],
            service=ship.service,
            tracking_number=ship.tracking_number,
            tracking_url=ship.tracking_url,
            status=last.status,
            estimated_delivery_from=ship.estimated_from,
            estimated_delivery_to=ship.estimated_to,
            estimate_source="carrier",
            promised_delivery_from=ship.estimated_from,
            promised_delivery_to=ship.estimated_to,
            delivered_within_window=(delivered_at.date() <= ship.estimated_to) if delivered_at else None,
            shipped_at=ship.shipped_at,
            delivered_at=delivered_at,
            last_event_at=last.at,
            created_at=ship.steps[0].at,
        )
    Shipment.objects.bulk_create(shipments.values(), batch_size=500)
    links = [
        Shipment.line_items.through(shipment_id=shipment.pk, lineitem_id=item.pk)
        for order_id, shipment in shipments.items()
        for item in line_items[order_id]
    ]
    Shipment.line_items.through.objects.bulk_create(links, batch_size=1000)
    return shipments


def tracking_events_write(merchant, plans, orders, shipments) -> None:
    rows = [
        TrackingEvent(
            merchant=merchant,
            shipment=shipments[order.pk],
            status=step.status,
            description=step.description,
            city=step.city,
            country=step.country,
            occurred_at=step.at,
            source=SOURCE,
        )
        for plan, order in zip(plans, orders, strict=True)
        if order.pk in shipments
        for step in plan.shipment.steps
    ]
    TrackingEvent.objects.bulk_create(rows, batch_size=1000)


def refunds_write(merchant, shop, plans, orders, line_items) -> None:
    rows = []
    for plan, order in zip(plans, orders, strict=True):
        if plan.refund is None:
            continue
        items = line_items[order.pk]
        rows.append(
            Refund(
                merchant=merchant,
                order=order,
                external_id=plan.refund.external_id,
                amount=plan.refund.amount,
                currency=shop.currency,
                line_items=[{"line_item_id": items[i].pk, "quantity": q} for i, q in plan.refund.lines],
                note=plan.refund.note,
                source=SOURCE,
                refunded_at=plan.refund.refunded_at,
            )
        )
    Refund.objects.bulk_create(rows, batch_size=500)


def order_events_write(merchant, shop, plans, orders, shipments, line_items) -> None:
    """The rest of each order's journey (order.created is the writer's), as history: its moment has passed."""
    events = [
        NewEvent(kind, order=order, payload=payload, occurred_at=at)
        for plan, order in zip(plans, orders, strict=True)
        for at, kind, payload in _timeline(shop, plan, order, shipments.get(order.pk), line_items[order.pk])
    ]
    events_record(merchant=merchant, events=events, past=True)


def _timeline(shop: DemoShop, plan: OrderPlan, order: Order, shipment: Shipment | None, items) -> Iterable:
    if plan.cancelled_at:
        yield plan.cancelled_at, "order.cancelled", {"order_id": order.pk, "reason": "customer"}
    if shipment is not None:
        ids = {"shipment_id": shipment.pk, "order_id": order.pk}
        first = plan.shipment.steps[0].at
        yield (
            first,
            "shipment.created",
            {**ids, "carrier": shipment.carrier, "tracking_number": shipment.tracking_number},
        )
        yield first, "order.fulfilled", {"order_id": order.pk}
        previous = "pending"
        for step in plan.shipment.steps:
            if step.status != previous:
                yield step.at, "shipment.status_changed", {**ids, "from": previous, "to": step.status}
                previous = step.status
            if step.status == "delivered":
                yield step.at, "shipment.delivered", {**ids, "delivered_at": step.at.isoformat()}
    if plan.refund:
        lines = [{"line_item_id": items[i].pk, "quantity": q} for i, q in plan.refund.lines]
        payload = {
            "order_id": order.pk,
            "amount": str(plan.refund.amount),
            "currency": shop.currency,
            "line_items": lines,
        }
        yield plan.refund.refunded_at, "order.refunded", payload


def history_write(merchant: Merchant, shop: DemoShop, plans: list[OrderPlan], progress) -> list[int]:
    """Write the planned orders that are not there yet, in batches; return the new order ids."""
    existing = set(
        Order.objects.filter(external_id__in=[p.external_id for p in plans]).values_list("external_id", flat=True)
    )
    todo = [plan for plan in plans if plan.external_id not in existing]
    progress.update(len(plans) - len(todo))
    customer_ids = customers_write(merchant, todo)
    created = []
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        orders, line_items = orders_write(merchant, shop, batch, customer_ids)
        shipments = shipments_write(merchant, batch, orders, line_items)
        tracking_events_write(merchant, batch, orders, shipments)
        refunds_write(merchant, shop, batch, orders, line_items)
        order_events_write(merchant, shop, batch, orders, shipments, line_items)
        created += [order.pk for order in orders]
        progress.update(len(batch))
    return created


# --- Extensions from other apps ------------------------------------------------------------


def extensions() -> list:
    """`seed_demo` functions of every installed app's `demo_data` module, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo_data":
                raise  # the module exists but imports something missing: a real error
            continue
        found.append(module.seed_demo)
    return found


# --- Entry point ----------------------------------------------------------------------------


def shop_seed(shop: DemoShop, *, owner: User, orders: int, now: datetime, progress_factory) -> SeedResult:
    plans = plan_orders(Random(f"{shop.slug}:history"), shop, orders=orders, now=now, names=NAMES)
    with transaction.atomic():
        merchant = merchant_ensure(shop, owner=owner)
        if shop is MAISON_LUMIERE:
            teammates_ensure(merchant)
        with merchant_scope(merchant), progress_factory(total=len(plans), desc=shop.name, unit="order") as progress:
            created = history_write(merchant, shop, plans, progress)
            context = DemoContext(shop=shop, merchant=merchant, now=now, created_order_ids=created)
            for extension in extensions():
                extension(context)
            messages_seed(context)  # last: the emails of every event above, returns' included
    return SeedResult(merchant=merchant, orders_planned=len(plans), orders_created=len(created))


def demo_reset() -> int:
    """Delete the demo merchants and everything they own (the staff logins stay)."""
    with unscoped(), transaction.atomic():
        return _delete_with_ledgers(Merchant.objects.filter(slug__in=[shop.slug for shop in SHOPS]))


def _delete_with_ledgers(queryset) -> int:
    """Ledgers (points, store credit) protect their rows from cascades, so that no amount is ever deleted
    by accident; the demo's reset deletes them on purpose, the rows that protect others first."""
    deleted = 0
    while True:
        try:
            return deleted + queryset.delete()[0]
        except (ProtectedError, RestrictedError) as refused:
            blocking = refused.protected_objects if isinstance(refused, ProtectedError) else refused.restricted_objects
            by_model = defaultdict(set)
            for row in blocking:
                by_model[type(row)].add(row.pk)
            for model, pks in by_model.items():
                deleted += _delete_with_ledgers(model._base_manager.filter(pk__in=pks))


def now_for_demo() -> datetime:
    return timezone.now().replace(microsecond=0)
