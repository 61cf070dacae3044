"""Step conditions and stop rules.

Conditions say who a step is for (first order, product type, total, language, country).
Stop rules say when a scheduled step must not go out any more (the customer ordered
again, the order was cancelled, the parcel is late...). Both are checked when the step
is scheduled and again right before sending.

Stop rules are a registry so other apps can add theirs without flows knowing them:

    from flows.rules import register_stop_rule
    register_stop_rule("open_return", _("An open return"), has_open_return)

A check receives a `RuleInput` and returns True when the message must be skipped. A step
lists the keys of the rules that apply to it; a key whose app is not installed is inert.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import FinancialStatus, Order


@dataclass
class RuleInput:
    order: Order  # with line_items, shipments and customer loaded
    anchor_at: datetime
    language: str
    cache: dict = field(default_factory=dict)  # per-order memo shared by the checks of one send

    @property
    def contact_email(self) -> str:
        return contact_email_of(self.order)

    # Read once per message: each .all() on a prefetched relation builds a manager and a queryset.
    @cached_property
    def items(self) -> list:
        return list(self.order.line_items.all())

    @cached_property
    def shipments(self) -> list:
        return list(self.order.shipments.all())


def contact_email_of(order: Order) -> str:
    email = order.email or (order.customer.email if order.customer_id and order.customer else "")
    return (email or "").strip().lower()


@dataclass(frozen=True)
class StopRule:
    key: str
    label: str
    check: Callable[[RuleInput], bool]


_stop_rules: dict[str, StopRule] = {}


def register_stop_rule(key: str, label, check: Callable[[RuleInput], bool]) -> None:
    _stop_rules[key] = StopRule(key=key, label=label, check=check)


def stop_rules() -> list[StopRule]:
    return list(_stop_rules.values())


def stop_rule_label(key: str):
    rule = _stop_rules.get(key)
    return rule.label if rule else key


def first_stop_reason(keys: list[str], data: RuleInput) -> str | None:
    """The key of the first listed, registered rule that stops this message, else None."""
    for key in keys:
        rule = _stop_rules.get(key)
        if rule is not None and rule.check(data):
            return key
    return None


# --- Built-in stop rules ----------------------------------------------------------------------
def _customer_orders(order: Order):
    """The same person's orders: by customer record, else by contact email (guests)."""
    if order.customer_id:
        return Order.objects.filter(customer_id=order.customer_id)
    email = contact_email_of(order)
    return Order.objects.filter(email__iexact=email) if email else Order.objects.none()


def ordered_again(data: RuleInput) -> bool:
    return (
        _customer_orders(data.order)
        .exclude(pk=data.order.pk)
        .filter(placed_at__gt=data.order.placed_at, cancelled_at__isnull=True, test=False)
        .exists()
    )


def order_cancelled(data: RuleInput) -> bool:
    return data.order.cancelled_at is not None


REFUNDED_STATUSES = {FinancialStatus.REFUNDED, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.VOIDED}


def order_refunded(data: RuleInput) -> bool:
    return data.order.financial_status in REFUNDED_STATUSES or data.order.refunded_amount > 0


def shipment_delayed(data: RuleInput) -> bool:
    return any(s.is_delayed and s.delivered_at is None for s in data.shipments)


def no_recommendations(data: RuleInput) -> bool:
    from .content import recommendations_for

    if "recommendations" not in data.cache:
        data.cache["recommendations"] = recommendations_for(data.order)
    return not data.cache["recommendations"]


register_stop_rule("ordered_again", _("The customer ordered again since"), ordered_again)
register_stop_rule("order_cancelled", _("The order was cancelled"), order_cancelled)
register_stop_rule("order_refunded", _("The order was refunded"), order_refunded)
register_stop_rule("shipment_delayed", _("A shipment of the order is late"), shipment_delayed)
register_stop_rule("no_recommendations", _("No complementary product to suggest"), no_recommendations)

# Rules the default marketing steps list. "order_returned", "open_return" and
# "low_satisfaction" are registered by the returns and feedback apps; until then they are inert.
MARKETING_STOP_RULES = [
    "order_cancelled",
    "order_refunded",
    "order_returned",
    "open_return",
    "shipment_delayed",
    "low_satisfaction",
]


# --- Conditions ---------------------------------------------------------------------------------
CONDITION_KEYS = {"customer", "product_types", "tags", "total_min", "total_max", "languages", "countries"}


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def is_first_order(order: Order) -> bool:
    earlier = (
        _customer_orders(order)
        .exclude(pk=order.pk)
        .filter(Q(placed_at__lt=order.placed_at) | Q(placed_at=order.placed_at, pk__lt=order.pk))
    )
    return not earlier.exists()


def conditions_met(conditions: dict, data: RuleInput) -> bool:
    """True when the order matches every condition the step sets (an empty one matches all)."""
    order = data.order
    wanted_customer = conditions.get("customer")
    if wanted_customer in ("first", "repeat"):
        if "first_order" not in data.cache:
            data.cache["first_order"] = is_first_order(order)
        if data.cache["first_order"] != (wanted_customer == "first"):
            return False
    items = data.items
    product_types = {t.strip().lower() for t in conditions.get("product_types") or [] if t.strip()}
    if product_types and not any(i.product_type.strip().lower() in product_types for i in items):
        return False
    tags = {t.strip().lower() for t in conditions.get("tags") or [] if t.strip()}
    if tags and not any(tags & {str(t).strip().lower() for t in i.tags or []} for i in items):
        return False
    total_min, total_max = _decimal(conditions.get("total_min")), _decimal(conditions.get("total_max"))
    if total_min is not None and order.total < total_min:
        return False
    if total_max is not None and order.total > total_max:
        return False
    languages = conditions.get("languages") or []
    if languages and data.language not in languages:
        return False
    countries = {c.upper() for c in conditions.get("countries") or []}
    return not (countries and order.shipping_country.upper() not in countries)
