"""What of an order can still be returned, for how much, and why not (docs/returns.md).

An item's returnable quantity is what was bought minus what earlier returns (not rejected or
cancelled) and refunds already gave back. Its window opens at delivery, shipping or the order date
(a policy setting, each falling back to the next) and lasts the policy's days, or a rule's for the
product. Orders placed during the policy's holiday dates may be returned until its holiday date
when that is later. A shop may accept returns only from some countries (the order's shipping
country). Amounts are what the customer was charged: the unit price after the item's share of the
order's discount, shared in proportion to each line's price.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from core.l10n import format_day
from core.money import exact_amount, minor_unit
from orders.models import LineItem, Order

from .models import COUNTED_STATUSES, ReturnItem, ReturnPolicy, ReturnRule, WindowStart


@dataclass(frozen=True)
class Returnable:
    line_item: LineItem
    quantity: int  # how many may still be returned (0 when refused)
    unit_amount: Decimal  # charged per unit, discount shared out
    window_ends: date | None
    refusal: str = ""  # why it may not be returned, in the active language


def policy_for(merchant) -> ReturnPolicy:
    policy = ReturnPolicy.objects.filter(merchant=merchant).first()
    return policy or ReturnPolicy(merchant=merchant, methods=["ship_yourself"])


def returnable_lines(order: Order, *, now: datetime, policy: ReturnPolicy | None = None) -> list[Returnable]:
    policy = policy or policy_for(order.merchant)
    rules = list(ReturnRule.objects.filter(merchant=order.merchant))
    items = list(order.line_items.all())
    given_back = _returned_quantities(order)
    unit_amounts = _unit_amounts(order, items)
    opened = _window_opens(order, policy.window_start)
    holiday_ends = _holiday_window_ends(order, policy)
    country_refusal = _country_refusal(order, policy)
    result = []
    for item in items:
        left = item.quantity - item.quantity_refunded - given_back.get(item.pk, 0)
        rule = _rule_for(item, rules)
        days = rule.window_days if rule and rule.window_days is not None else policy.window_days
        # The window's last day in the shop's time zone, as the customer reads it on the page.
        ends = (opened.astimezone(order.merchant.tzinfo) + timedelta(days=days)).date() if opened else None
        if ends is not None and holiday_ends is not None:
            ends = max(ends, holiday_ends)
        refusal = country_refusal or _refusal(item, left, rule, ends, now, policy, unit_amounts[item.pk], order)
        result.append(Returnable(item, 0 if refusal else left, unit_amounts[item.pk], ends, refusal))
    return result


def _returned_quantities(order: Order) -> dict[int, int]:
    """Items given back by returns whose refund the order has not recorded yet.

    Once recorded with its items (returns/refunds.py), they are in the line's quantity_refunded:
    counting them here as well would count them twice. A refund recorded without items (WooCommerce
    lists an order's refunds without them) leaves its return's items counted here.
    """
    not_in_a_refund = Q(request__refund__isnull=True) | Q(request__refund__line_items=[])
    rows = (
        ReturnItem.objects.filter(not_in_a_refund, request__order=order, request__status__in=COUNTED_STATUSES)
        .values("line_item_id")
        .annotate(quantity=Sum("quantity"))
    )
    return {row["line_item_id"]: row["quantity"] for row in rows}


def _unit_amounts(order: Order, items: list[LineItem]) -> dict[int, Decimal]:
    """Each line's unit price minus its share of the order's discount, in proportion to its price."""
    gross = sum((item.unit_price * item.quantity for item in items), Decimal(0))
    discount = min(exact_amount(order.discount, order.currency), gross) if gross else Decimal(0)
    step = minor_unit(order.currency)
    amounts = {}
    for item in items:
        share = (item.unit_price * discount / gross) if gross else Decimal(0)
        amounts[item.pk] = (item.unit_price - share).quantize(step, rounding=ROUND_HALF_UP)
    return amounts


def _window_opens(order: Order, start: str) -> datetime | None:
    shipments = [s for s in order.shipments.all() if s.cancelled_at is None]
    delivered = [s.delivered_at for s in shipments if s.delivered_at]
    shipped = [s.shipped_at or s.created_at for s in shipments]
    if start == WindowStart.DELIVERY and delivered and len(delivered) == len(shipments):
        return max(delivered)
    if start in (WindowStart.DELIVERY, WindowStart.FULFILLMENT) and shipped:
        return max(shipped)
    return order.placed_at


def _holiday_window_ends(order: Order, policy: ReturnPolicy) -> date | None:
    """The holiday return date, if the order was placed (on the shop's calendar) within the holiday dates."""
    if not (policy.holiday_from and policy.holiday_to and policy.holiday_until) or order.placed_at is None:
        return None
    placed = order.placed_at.astimezone(order.merchant.tzinfo).date()
    return policy.holiday_until if policy.holiday_from <= placed <= policy.holiday_to else None


def _country_refusal(order: Order, policy: ReturnPolicy) -> str:
    """Why nothing of the order may come back from where it was shipped ("" when it may, or when we do not know)."""
    country = (order.shipping_country or "").upper()
    accepted = {code.upper() for code in policy.countries or []}
    if not accepted or not country or country in accepted:
        return ""
    return _("The shop does not accept returns from %(country)s.") % {"country": country_name(country)}


def country_name(code: str) -> str:
    """ "Germany" / "Allemagne": the country's name in the active language, else its code."""
    try:
        locale = Locale.parse((translation.get_language() or "en").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    return locale.territories.get(code.upper(), code.upper())


def _rule_for(item: LineItem, rules: list[ReturnRule]) -> ReturnRule | None:
    """The first rule naming the item's SKU, else one of its tags, else its product type."""
    tags = {str(tag).strip().lower() for tag in item.tags or []}
    for match, values in (
        (ReturnRule.Match.SKU, {item.sku.strip().lower()}),
        (ReturnRule.Match.TAG, tags),
        (ReturnRule.Match.PRODUCT_TYPE, {item.product_type.strip().lower()}),
    ):
        for rule in rules:
            if rule.match == match and rule.value.strip().lower() in values - {""}:
                return rule
    return None


def _refusal(item, left, rule, ends, now, policy, unit_amount, order) -> str:
    if order.cancelled_at is not None:
        return _("The order was cancelled.")
    if left <= 0:
        return _("Already returned or refunded.")
    if rule is not None and rule.final_sale:
        return _("Final sale: this item cannot be returned.")
    if policy.excluded_discount_percent and item.unit_price > 0:
        discount = (item.unit_price - unit_amount) * 100 / item.unit_price
        if discount >= policy.excluded_discount_percent:
            return _("Bought at a discount of %(percent)s%%: not returnable.") % {"percent": round(discount)}
    if ends is not None and now.astimezone(order.merchant.tzinfo).date() > ends:
        return _("The return window closed on %(date)s.") % {"date": format_day(ends)}
    return ""
