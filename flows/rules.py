"""Step conditions and stop rules, both registries.

Conditions say who a step is for (first order, product type, total, language, country).
Stop rules say when a scheduled step must not go out any more (the customer ordered
again, the order was cancelled, the parcel is late...). Both are checked when the step
is scheduled and again right before sending.

Stop rules are a registry so other apps can add theirs without flows knowing them:

    from flows.rules import register_stop_rule
    register_stop_rule("open_return", _("An open return"), has_open_return)

A check receives a `RuleInput` and returns True when the message must be skipped. A step
lists the keys of the rules that apply to it; a key whose app is not installed is inert.

A message anchored to a customer rather than an order (a loyalty or survey email) has no order:
`data.order` is None and `data.customer`, `data.anchor_key` say what it is about. Rules and
conditions that read the order are registered with `needs_order=True` (the default) and are not
checked for such a message; one written for customers too says `needs_order=False`:

    register_stop_rule("survey_answered", _("Survey already answered"), answered, needs_order=False)

A rule that would read the database for each message reads it once for the dispatcher's whole batch
instead, through `data.batch.get(key, load)`: `load(inputs)` runs on first use with every message
of the batch (one merchant's) and its result is shared (see feedback/rules.py, `low_satisfaction`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Customer, FinancialStatus, Order


class BatchMemo:
    """What checks load once for a batch of messages (one merchant's), on first use.

    `order_rows`: {relation: {order id: [rows]}}, the batch's orders' relations the dispatcher read
    with one query each (see RuleInput.related).
    """

    def __init__(self, inputs: list["RuleInput"], *, order_rows: dict[str, dict[int, list]] | None = None):
        self.inputs = inputs
        self._loaded: dict = {}
        self.order_rows = order_rows or {}

    def get(self, key: str, load: Callable[[list["RuleInput"]], object]):
        if key not in self._loaded:
            self._loaded[key] = load(self.inputs)
        return self._loaded[key]


@dataclass
class RuleInput:
    order: Order | None  # with line_items, shipments and customer loaded; None: customer-anchored
    anchor_at: datetime
    language: str
    cache: dict = field(default_factory=dict)  # per-order memo shared by the checks of one send
    anchored_customer: Customer | None = None  # the customer a customer-anchored message is for
    anchor_key: str = ""  # what that message is about, e.g. "nps:2026-Q4"
    batch: BatchMemo | None = None  # shared by the messages checked together; alone, a batch of one

    def __post_init__(self):
        if self.batch is None:
            self.batch = BatchMemo([self])

    @property
    def is_customer_anchored(self) -> bool:
        return self.order is None

    @property
    def customer(self) -> Customer | None:
        if self.order is None:
            return self.anchored_customer
        return self.order.customer if self.order.customer_id else None

    @property
    def contact_email(self) -> str:
        if self.order is None:
            return ((self.anchored_customer.email if self.anchored_customer else "") or "").strip().lower()
        return contact_email_of(self.order)

    def related(self, relation: str) -> list:
        """The order's rows of a reverse relation ("line_items", "shipments", "returns"): those the
        dispatcher read for its whole batch, else the order's own (prefetched, or one query)."""
        if self.order is None:
            return []
        by_order = self.batch.order_rows.get(relation)
        if by_order is not None:
            return by_order.get(self.order.pk, [])
        return list(getattr(self.order, relation).all())

    # Read once per message: each .all() on a prefetched relation builds a manager and a queryset.
    @cached_property
    def items(self) -> list:
        return self.related("line_items")

    @cached_property
    def shipments(self) -> list:
        return self.related("shipments")


def contact_email_of(order: Order) -> str:
    email = order.email or (order.customer.email if order.customer_id and order.customer else "")
    return (email or "").strip().lower()


@dataclass(frozen=True)
class StopRule:
    key: str
    label: str
    check: Callable[[RuleInput], bool]
    needs_order: bool = True  # not checked for a customer-anchored message, which has no order


_stop_rules: dict[str, StopRule] = {}


def register_stop_rule(key: str, label, check: Callable[[RuleInput], bool], *, needs_order: bool = True) -> None:
    _stop_rules[key] = StopRule(key=key, label=label, check=check, needs_order=needs_order)


_order_prefetches: list[str] = []


def register_order_prefetch(relation: str) -> None:
    """A relation of Order an app's rules read (returns: "returns"), loaded with each batch's orders by
    the dispatcher, so a rule costs no query per message: the rule reads it with `data.related(relation)`,
    which also works without a batch (a test send)."""
    if relation not in _order_prefetches:
        _order_prefetches.append(relation)


def order_prefetches() -> list[str]:
    return list(_order_prefetches)


def unregister_stop_rule(key: str) -> None:
    """For tests that register a rule of their own."""
    _stop_rules.pop(key, None)


def _applies(rule, data: RuleInput) -> bool:
    return rule is not None and not (rule.needs_order and data.order is None)


def stop_rules() -> list[StopRule]:
    return list(_stop_rules.values())


def stop_rule_label(key: str):
    rule = _stop_rules.get(key)
    return rule.label if rule else key


def first_stop_reason(keys: list[str], data: RuleInput) -> str | None:
    """The key of the first listed, registered rule that stops this message, else None."""
    for key in keys:
        rule = _stop_rules.get(key)
        if _applies(rule, data) and rule.check(data):
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
    """A later purchase; an exchange made for a return is none."""
    return (
        _customer_orders(data.order)
        .exclude(pk=data.order.pk)
        .filter(placed_at__gt=data.order.placed_at, cancelled_at__isnull=True, test=False, exchange_for_rma="")
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
    from catalogue.selectors import recommendations_for

    if "recommendations" not in data.cache:
        data.cache["recommendations"] = recommendations_for(data.order, items=data.items, with_prices=True)
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


# --- Orders whose events start no emails -------------------------------------------------------------
# Some orders are not purchases the customer made: an exchange the shop created for a return. Their
# order.created starts neither the order confirmation nor the journey (flows/services.py schedules
# nothing for them). Other apps register theirs the same way:
#
#     register_unscheduled_order("wholesale", _("A wholesale order"), lambda order: ..., kinds=("order.created",))


@dataclass(frozen=True)
class UnscheduledOrder:
    key: str
    label: str
    check: Callable[[Order], bool]
    kinds: frozenset[str]  # the events whose emails it keeps from being scheduled


_unscheduled: dict[str, UnscheduledOrder] = {}


def register_unscheduled_order(key: str, label, check: Callable[[Order], bool], *, kinds=("order.created",)) -> None:
    _unscheduled[key] = UnscheduledOrder(key=key, label=label, check=check, kinds=frozenset(kinds))


def unscheduled_reason(kind: str, order: Order) -> str | None:
    """The key of the first registered rule that keeps `kind`'s emails from being scheduled for `order`."""
    for rule in _unscheduled.values():
        if kind in rule.kinds and rule.check(order):
            return rule.key
    return None


register_unscheduled_order(
    "exchange_order", _("An exchange for a return, not a new purchase"), lambda order: bool(order.exchange_for_rma)
)


# --- Conditions ---------------------------------------------------------------------------------
# A step's conditions are {key: value}; each key names a registered condition whose check says
# whether the order matches the value. Empty values match every order. Other apps register theirs
# (a loyalty tier, a return reason) the same way, in their AppConfig.ready():
#
#     register_condition("loyalty_tier", _("Loyalty tier"), lambda tiers, data: tier_of(data) in tiers)


@dataclass(frozen=True)
class StepCondition:
    key: str
    label: str
    check: Callable[[object, RuleInput], bool]  # (the step's value, the order) -> matches
    needs_order: bool = True  # not checked for a customer-anchored message, which has no order


_conditions: dict[str, StepCondition] = {}


def register_condition(key: str, label, check: Callable[[object, RuleInput], bool], *, needs_order=True) -> None:
    _conditions[key] = StepCondition(key=key, label=label, check=check, needs_order=needs_order)


def step_conditions() -> list[StepCondition]:
    return list(_conditions.values())


def conditions_met(conditions: dict, data: RuleInput) -> bool:
    """True when the order matches every condition the step sets; a key no app registers is inert,
    and so is one that reads the order for a customer-anchored message."""
    for key, value in (conditions or {}).items():
        condition = _conditions.get(key)
        if _applies(condition, data) and value not in (None, "", []) and not condition.check(value, data):
            return False
    return True


# --- Built-in conditions ----------------------------------------------------------------------------


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


def customer_kind_matches(wanted, data: RuleInput) -> bool:
    if wanted not in ("first", "repeat"):
        return True
    if "first_order" not in data.cache:
        data.cache["first_order"] = is_first_order(data.order)
    return data.cache["first_order"] == (wanted == "first")


def _lowered(values) -> set[str]:
    return {str(value).strip().lower() for value in values or [] if str(value).strip()}


def product_types_match(wanted, data: RuleInput) -> bool:
    types = _lowered(wanted)
    return not types or any(item.product_type.strip().lower() in types for item in data.items)


def tags_match(wanted, data: RuleInput) -> bool:
    tags = _lowered(wanted)
    return not tags or any(tags & _lowered(item.tags) for item in data.items)


def total_at_least(wanted, data: RuleInput) -> bool:
    minimum = _decimal(wanted)
    return minimum is None or data.order.total >= minimum


def total_at_most(wanted, data: RuleInput) -> bool:
    maximum = _decimal(wanted)
    return maximum is None or data.order.total <= maximum


def language_in(wanted, data: RuleInput) -> bool:
    return not wanted or data.language in wanted


def country_in(wanted, data: RuleInput) -> bool:
    countries = {str(code).upper() for code in wanted or []}
    return not countries or data.order.shipping_country.upper() in countries


register_condition("customer", _("First or repeat customer"), customer_kind_matches)
register_condition("product_types", _("Product types"), product_types_match)
register_condition("tags", _("Product tags"), tags_match)
register_condition("total_min", _("Order total at least"), total_at_least)
register_condition("total_max", _("Order total at most"), total_at_most)
register_condition("languages", _("Languages"), language_in, needs_order=False)
register_condition("countries", _("Shipping countries"), country_in)
