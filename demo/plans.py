"""Deterministic plans of the demo history: who bought what, when, and how it travelled.

Everything here is pure Python driven by a seeded `random.Random`: the same shop and order
count give the same customers, orders and external ids, which is what makes `seed_demo`
idempotent. Nothing in this module touches the database.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random
from zoneinfo import ZoneInfo

from .catalogue import HUBS, REFERRERS, TRACKING_URLS, WAREHOUSE_CITY, Product, ShippingOption
from .tracking_numbers import GENERATORS

CENT = Decimal("0.01")
# Relative order volume per calendar month: a home brand peaks before Christmas.
SEASONALITY = {1: 0.8, 2: 0.75, 3: 0.85, 4: 0.9, 5: 0.95, 6: 0.8, 7: 0.7, 8: 0.65, 9: 0.9, 10: 1.05, 11: 1.6, 12: 1.9}
# Local hour of day at which people order (evenings and lunch breaks).
HOUR_WEIGHTS = [1, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 7, 7, 5, 5, 5, 6, 7, 9, 11, 11, 8, 4]


@dataclass(frozen=True)
class DemoShop:
    name: str
    slug: str
    language: str
    time_zone: str
    currency: str
    products: list[Product]
    # (language, weight, ((city, postal code, country, weight), ...))
    markets: tuple
    shipping: dict[str, tuple[ShippingOption, ...]]
    vat_rates: dict[str, Decimal]  # VAT included in prices, per destination country
    default_orders: int
    branding: dict
    id_base: int  # keeps each shop's external ids apart
    sku_prefix: str
    customers_per_order: float = 0.4
    guest_share: float = 0.04


@dataclass
class CustomerPlan:
    external_id: str
    email: str
    first_name: str
    last_name: str
    phone: str
    language: str
    accepts_marketing: bool
    street: str
    city: str
    postal_code: str
    country: str
    is_guest: bool = False

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


@dataclass
class LinePlan:
    external_id: str
    product: Product
    variant: int
    quantity: int

    @property
    def unit_price(self) -> Decimal:
        return self.product.variants[self.variant][2]

    @property
    def variant_id(self) -> str:
        return self.product.variants[self.variant][0]

    @property
    def variant_title(self) -> str:
        return self.product.variants[self.variant][1]


@dataclass
class JourneyStep:
    status: str
    at: datetime
    description: str
    city: str
    country: str


@dataclass
class ShipmentPlan:
    external_id: str
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime
    estimated_from: date
    estimated_to: date
    steps: list[JourneyStep]  # only the ones that already happened


@dataclass
class RefundPlan:
    external_id: str
    amount: Decimal
    refunded_at: datetime
    lines: list[tuple[int, int]]  # (index of the line in the order, quantity)
    note: str


@dataclass
class OrderPlan:
    index: int
    external_id: str
    number: str
    customer: CustomerPlan
    placed_at: datetime
    lines: list[LinePlan]
    shipping_option: ShippingOption
    discount: Decimal = Decimal("0.00")
    shipping: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")
    referring_site: str = ""
    cancelled_at: datetime | None = None
    shipment: ShipmentPlan | None = None
    refund: RefundPlan | None = None
    is_repeat: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "")


def _weighted(rng: Random, items, weight=lambda item: item[-1]):
    return rng.choices(items, weights=[weight(item) for item in items], k=1)[0]


# --- Customers -----------------------------------------------------------------------


def plan_customers(rng: Random, shop: DemoShop, count: int, names: dict) -> list[CustomerPlan]:
    customers, emails = [], set()
    for index in range(count):
        language, _weight, cities = _weighted(rng, shop.markets, weight=lambda market: market[1])
        first = rng.choice(names[language][0])
        last = rng.choice(names[language][1])
        city, postal_code, country, _ = _weighted(rng, cities)
        email = _unique_email(rng, first, last, emails)
        street_name = rng.choice(names[language][2])
        customers.append(
            CustomerPlan(
                external_id=str(shop.id_base * 10 + 7 * index + 1),
                email=email,
                first_name=first,
                last_name=last,
                phone=_phone(rng, country),
                language=language,
                accepts_marketing=rng.random() < 0.55,
                street=f"{rng.randint(1, 120)} {street_name}"
                if language == "fr"
                else f"{rng.randint(1, 90)} {street_name}",
                city=city,
                postal_code=postal_code,
                country=country,
            )
        )
    return customers


def _unique_email(rng: Random, first: str, last: str, taken: set) -> str:
    local = rng.choice(
        [f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}", f"{first}.{last}{rng.randint(1, 99)}"]
    )
    base = _ascii(local).replace(" ", "")
    email, suffix = f"{base}@{rng.choice(('example.com', 'example.net', 'example.org'))}", 2
    while email in taken:
        email = f"{base}{suffix}@{email.split('@')[1]}"
        suffix += 1
    taken.add(email)
    return email


def _phone(rng: Random, country: str) -> str:
    if country == "FR":
        return f"+33 {rng.choice('67')} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    if country == "GB":
        return f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    return ""


def order_counts(rng: Random, customers: int, orders: int, guests: int) -> list[int]:
    """How many orders each customer places: one for most, two to five for the loyal ones."""
    counts = [1] * customers
    repeaters = rng.sample(range(customers), k=int(customers * 0.65))
    for index in repeaters:
        counts[index] = rng.choices([2, 3, 4, 5], weights=[40, 30, 18, 12], k=1)[0]
    # Nudge random customers up or down (within 1-5) until the total matches the order count.
    target = max(customers, orders - guests)
    while sum(counts) != target:
        step = 1 if sum(counts) < target else -1
        index = rng.randrange(customers)
        if 1 <= counts[index] + step <= 5:
            counts[index] += step
        if step > 0 and min(counts) == 5 or step < 0 and max(counts) == 1:
            break
    return counts


# --- Orders --------------------------------------------------------------------------


def plan_orders(rng: Random, shop: DemoShop, *, orders: int, now: datetime, names: dict) -> list[OrderPlan]:
    customer_total = max(1, round(orders * shop.customers_per_order))
    guest_total = round(orders * shop.guest_share)
    customers = plan_customers(rng, shop, customer_total, names)
    counts = order_counts(rng, customer_total, orders, guest_total)
    buyers = [customer for customer, count in zip(customers, counts, strict=True) for _ in range(count)]
    guests = plan_customers(rng, shop, guest_total, names)
    for guest in guests:
        guest.is_guest = True
        guest.external_id = ""
    buyers += guests
    rng.shuffle(buyers)
    placed = sorted(_order_times(rng, shop, len(buyers), now))
    plans, seen = [], set()
    for index, (customer, placed_at) in enumerate(zip(buyers, placed, strict=True)):
        plan = OrderPlan(
            index=index,
            external_id=str(shop.id_base * 1000 + 3 * index + 1001),
            number=f"#{1001 + index}",
            customer=customer,
            placed_at=placed_at,
            lines=_basket(rng, shop, index, placed_at),
            shipping_option=_weighted(rng, shop.shipping[customer.country], weight=lambda option: option.weight),
            referring_site=_weighted(rng, REFERRERS)[0],
            is_repeat=customer.email in seen,
        )
        seen.add(customer.email)
        _price(rng, shop, plan)
        _fate(rng, shop, plan, now)
        plans.append(plan)
    return plans


def _order_times(rng: Random, shop: DemoShop, count: int, now: datetime) -> list[datetime]:
    tz = ZoneInfo(shop.time_zone)
    today = now.astimezone(tz).date()
    days = list(range(365))
    # Older days weigh less: the shop grew over the year.
    weights = [SEASONALITY[(today - timedelta(days=d)).month] * (1.6 - d / 365) for d in days]
    times = []
    for day_offset in rng.choices(days, weights=weights, k=count):
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS, k=1)[0]
        local = datetime.combine(today - timedelta(days=day_offset), time(hour, rng.randint(0, 59), rng.randint(0, 59)))
        moment = local.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
        if moment > now - timedelta(minutes=15):
            moment -= timedelta(days=1)
        times.append(moment)
    return times


def _basket(rng: Random, shop: DemoShop, order_index: int, placed_at: datetime) -> list[LinePlan]:
    size = rng.choices([1, 2, 3, 4], weights=[50, 30, 14, 6], k=1)[0]
    festive = placed_at.month in (11, 12)

    def weight(product):
        gift = festive and ("cadeau" in product.tags or "gift" in product.tags or "hiver" in product.tags)
        return product.popularity * (3 if gift else 1)

    chosen = []
    while len(chosen) < min(size, len(shop.products)):
        product = _weighted(rng, shop.products, weight=weight)
        if product not in chosen:
            chosen.append(product)
    return [
        LinePlan(
            external_id=str(shop.id_base * 100000 + order_index * 10 + position),
            product=product,
            variant=rng.randrange(len(product.variants)),
            quantity=rng.choices([1, 2, 3], weights=[85, 12, 3], k=1)[0],
        )
        for position, product in enumerate(chosen)
    ]


def _price(rng: Random, shop: DemoShop, plan: OrderPlan) -> None:
    subtotal = plan.subtotal
    roll = rng.random()
    if not plan.is_repeat and plan.customer.accepts_marketing and roll < 0.35:
        plan.discount = (subtotal * Decimal("0.10")).quantize(CENT, ROUND_HALF_UP)  # welcome code
    elif plan.placed_at.month in (11, 12) and roll < 0.40:
        plan.discount = (subtotal * Decimal("0.15")).quantize(CENT, ROUND_HALF_UP)  # festive sale
    elif plan.is_repeat and subtotal >= 50 and roll < 0.15:
        plan.discount = Decimal("10.00")  # loyalty voucher
    option = plan.shipping_option
    free = option.free_from is not None and subtotal - plan.discount >= option.free_from
    plan.shipping = Decimal("0.00") if free else option.price
    rate = shop.vat_rates.get(plan.customer.country, Decimal("0"))
    plan.tax = (plan.total * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


# --- What happened next: cancellation, shipment, refund ------------------------------------


def _fate(rng: Random, shop: DemoShop, plan: OrderPlan, now: datetime) -> None:
    if rng.random() < 0.015:
        cancelled_at = plan.placed_at + timedelta(hours=rng.randint(1, 20))
        plan.cancelled_at = cancelled_at if cancelled_at <= now else None
        if plan.cancelled_at:
            return
    tz = ZoneInfo(shop.time_zone)
    shipped_at = _ship_time(rng, plan.placed_at, tz)
    if shipped_at > now:
        return  # still being prepared
    plan.shipment = _plan_shipment(rng, shop, plan, shipped_at, now, tz)
    delivered = next((step.at for step in plan.shipment.steps if step.status == "delivered"), None)
    if delivered and rng.random() < 0.05:
        _plan_refund(rng, shop, plan, delivered, now)


def _business_days_after(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute)).replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))


def _ship_time(rng: Random, placed_at: datetime, tz: ZoneInfo) -> datetime:
    """Orders placed before noon on a working day leave the same afternoon, the others the next working day."""
    local = placed_at.astimezone(tz)
    day = local.date()
    if local.weekday() >= 5 or local.hour >= 12:
        day = _business_days_after(day, 1)
    return _local(day, rng.randint(15, 17), rng.randint(0, 59), tz)


DESCRIPTIONS = {
    "fr": {
        "info_received": "Votre colis est prêt à être expédié, il va être remis au transporteur.",
        "picked_up": "Votre colis a été pris en charge.",
        "hub": "Votre colis est en cours d'acheminement ({facility} de {city}).",
        "out_for_delivery": "Votre colis est en cours de livraison.",
        "delivered": "Votre colis a été livré.",
        "available_for_pickup": "Votre colis est disponible dans votre point de retrait.",
        "collected": "Votre colis a été retiré par le destinataire.",
        "attempt_failed": "Destinataire absent : un avis de passage a été déposé.",
        "returning_to_sender": "Colis non retiré dans les délais : retour vers l'expéditeur.",
    },
    "en": {
        "info_received": "Shipping label created; the carrier is awaiting the parcel.",
        "picked_up": "Picked up by the carrier.",
        "hub": "Arrived at the {facility} sort facility, {city}.",
        "out_for_delivery": "Out for delivery.",
        "delivered": "Delivered.",
        "available_for_pickup": "Ready for collection at the access point.",
        "collected": "Collected by the recipient.",
        "attempt_failed": "Delivery attempted: nobody was available to receive the parcel.",
        "returning_to_sender": "Not collected in time: returning to the sender.",
    },
}
FRENCH_CARRIERS = {"colissimo", "chronopost", "mondial_relay", "dpd"}


def _plan_shipment(rng, shop, plan, shipped_at, now, tz) -> ShipmentPlan:
    option = plan.shipping_option
    number = GENERATORS[option.carrier](rng)
    words = DESCRIPTIONS["fr" if option.carrier in FRENCH_CARRIERS and shop.language == "fr" else "en"]
    ship_day = shipped_at.astimezone(tz).date()
    low, high = option.transit_days
    late = rng.random() < 0.05
    transit = rng.randint(low, high) + (rng.randint(2, 5) if late else 0)
    arrival_day = _business_days_after(ship_day, transit)
    origin_city, origin_country = WAREHOUSE_CITY.get(shop.slug, ("", ""))
    destination = (plan.customer.city, plan.customer.country)
    steps = [
        JourneyStep(
            "info_received", shipped_at - timedelta(hours=2), words["info_received"], origin_city, origin_country
        ),
        JourneyStep("in_transit", shipped_at + timedelta(hours=1), words["picked_up"], origin_city, origin_country),
        _hub_step(rng, option.carrier, shipped_at + timedelta(hours=rng.randint(6, 14)), words),
    ]
    steps += _last_mile(rng, option, arrival_day, tz, words, destination)
    return ShipmentPlan(
        external_id=str(shop.id_base * 10 + 11 * plan.index + 5),
        carrier=option.carrier,
        service=option.service,
        tracking_number=number,
        tracking_url=TRACKING_URLS[option.carrier].format(number=number),
        shipped_at=shipped_at,
        estimated_from=_business_days_after(ship_day, low),
        estimated_to=_business_days_after(ship_day, high),
        steps=[step for step in steps if step.at <= now],
    )


def _hub_step(rng, carrier, at, words) -> JourneyStep:
    facility, city, country = rng.choice(HUBS[carrier])
    return JourneyStep("in_transit", at, words["hub"].format(facility=facility, city=city), city, country)


def _last_mile(rng, option, day, tz, words, destination) -> list[JourneyStep]:
    city, country = destination

    def step(status, when, text):
        return JourneyStep(status, when, words[text], city, country)

    if option.pickup_point:
        ready = _local(day, rng.randint(9, 11), rng.randint(0, 59), tz)
        steps = [step("available_for_pickup", ready, "available_for_pickup")]
        if rng.random() < 0.01:  # never collected
            return steps + [step("returning_to_sender", ready + timedelta(days=10), "returning_to_sender")]
        collected = ready + timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 5]), hours=rng.randint(2, 8))
        return steps + [step("delivered", collected, "collected")]
    out = _local(day, 7, rng.randint(30, 59), tz)
    if rng.random() < 0.04:  # nobody home on the first attempt
        failed = out + timedelta(hours=rng.randint(2, 6))
        next_day = _business_days_after(day, 1)
        retry = _local(next_day, 8, rng.randint(0, 30), tz)
        return [
            step("out_for_delivery", out, "out_for_delivery"),
            step("attempt_failed", failed, "attempt_failed"),
            step("out_for_delivery", retry, "out_for_delivery"),
            step("delivered", retry + timedelta(hours=rng.randint(1, 6)), "delivered"),
        ]
    return [
        step("out_for_delivery", out, "out_for_delivery"),
        step("delivered", out + timedelta(hours=rng.randint(1, 9), minutes=rng.randint(0, 59)), "delivered"),
    ]


REFUND_NOTES = {
    "fr": ("Retour complet : ne correspond pas aux attentes.", "Article arrivé cassé."),
    "en": ("Full return: not as expected.", "Item arrived broken."),
}


def _plan_refund(rng, shop, plan, delivered_at, now) -> None:
    refunded_at = delivered_at + timedelta(days=rng.randint(3, 14), hours=rng.randint(0, 8))
    if refunded_at > now:
        return
    if rng.random() < 0.25 or len(plan.lines) == 1 and plan.lines[0].quantity == 1:
        lines = [(position, line.quantity) for position, line in enumerate(plan.lines)]
        amount = plan.total - plan.shipping
        note = REFUND_NOTES[shop.language][0]
    else:
        position = rng.randrange(len(plan.lines))
        lines = [(position, 1)]
        amount = plan.lines[position].unit_price
        note = REFUND_NOTES[shop.language][1]
    plan.refund = RefundPlan(
        external_id=str(shop.id_base * 10 + 13 * plan.index + 9),
        amount=min(amount, plan.total).quantize(CENT),
        refunded_at=refunded_at,
        lines=lines,
        note=note,
    )
