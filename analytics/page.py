"""What the Analytics page shows: the period a preset names, each KPI with its previous value and change."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from core.l10n import format_money, format_number, format_share
from flows.models import name_shown

from .email import StepEmailKpis

SHARES = {"repeat_rate", "repurchase_30", "repurchase_90", "on_time_rate", "wismo_reduction"}
MONEY = {"aov", "historical_clv"}
# Figures that are better when they fall: their change is coloured as good when it goes down.
LOWER_IS_BETTER = {"wismo_rate", "return_rate", "unsubscribe_rate"}
LABELS = {
    "orders": _("Orders"),
    "customers": _("Customers"),
    "repeat_rate": _("Repeat rate"),
    "purchase_frequency": _("Orders per customer"),
    "aov": _("Average order value"),
    "repurchase_30": _("Reordered within 30 days"),
    "repurchase_90": _("Reordered within 90 days"),
    "historical_clv": _("Revenue per customer to date"),
}
HELP = {
    "repeat_rate": _("Customers of the period with at least two orders so far."),
    "repurchase_30": _("New customers of the period whose second order came within 30 days."),
    "repurchase_90": _("New customers of the period whose second order came within 90 days."),
    "historical_clv": _("Net revenue of every order so far per customer."),
}


def money_text(amounts: dict | None) -> str:
    """Each currency's amount in the viewer's format, side by side; "—" for none."""
    return " · ".join(format_money(amount, currency) for currency, amount in (amounts or {}).items()) or "—"


def _share_text(value) -> str:
    return "—" if value is None else format_share(value)


def email_rows(steps: list[StepEmailKpis]) -> list[dict]:
    """The email table: a row per step, its flow's name on the first row of each flow; a step named as its
    flow (a flow of one email) is not named twice."""
    rows = []
    for step in steps:
        flow = name_shown("flow", step.flow_key, step.flow_name)
        name = name_shown("step", step.step_key, step.step_name)
        first_of_flow = not rows or rows[-1]["flow_id"] != step.flow_id
        rows.append(
            {
                "flow_id": step.flow_id,
                "step_id": step.step_id,
                "flow": flow if first_of_flow else "",
                "step": "" if first_of_flow and name == flow else name,
                "delivered": format_number(step.delivered),
                "open_rate": _share_text(step.open_rate),
                "click_rate": _share_text(step.click_rate),
                "unsubscribe_rate": _share_text(step.unsubscribe_rate),
                "orders": format_number(step.orders),
                "revenue": money_text(step.revenue),
            }
        )
    return rows


def _text(name: str, value) -> str:
    if value is None:
        return "—"
    if name in MONEY:
        return money_text(value)
    if name in SHARES:
        return format_share(value)
    return format_number(value)


def change_of(name: str, value, previous) -> tuple[str, int]:
    """("+12.5%", 1): relative change, in points for shares; the sign says which way it went."""
    if name in MONEY:  # compared when both periods are in one and the same currency
        same = value and previous and len(value) == 1 and value.keys() == previous.keys()
        value, previous = (next(iter(value.values())), next(iter(previous.values()))) if same else (None, None)
    if value is None or previous is None:
        return "", 0
    if name in SHARES:
        points = (Decimal(value) - Decimal(previous)) * 100
        sign = (points > 0) - (points < 0)
        return (
            _("%(points)s pts")
            % {"points": f"{'+' if sign > 0 else ''}{format_number(points.quantize(Decimal('0.1')))}"}
        ), sign
    if not previous:
        return "", 0
    change = (Decimal(value) - Decimal(previous)) / Decimal(previous)
    sign = (change > 0) - (change < 0)
    return f"{'+' if sign > 0 else ''}{format_share(change.quantize(Decimal('0.001')))}", sign


def better_or_worse(name: str, sign: int) -> int:
    """1 better, -1 worse, 0 unchanged: a change's `sign` (which way it went) read for the figure `name`."""
    return -sign if name in LOWER_IS_BETTER else sign


def points_change(value: int | None, previous: int | None) -> tuple[str, int]:
    """("+5 pts", 1): the change of a score (NPS, −100 to 100) in points, never a percentage."""
    if value is None or previous is None:
        return "", 0
    points = value - previous
    sign = (points > 0) - (points < 0)
    return _("%(points)s pts") % {"points": f"{'+' if sign > 0 else ''}{format_number(points)}"}, sign


def returns_block(figures) -> dict:
    """The returns figures' short version (returns/figures.py, docs/kpis.md "Returns"): rate and revenue kept."""
    kept = [
        f"{format_share(money.revenue_kept)} ({currency})"
        for currency, money in figures.money.items()
        if money.revenue_kept is not None
    ]
    rate = figures.item_return_rate
    return {"return_rate": "—" if rate is None else format_share(rate), "revenue_kept": " · ".join(kept) or "—"}


def tiles(labels: dict, helps: dict, current: dict, previous: dict, *, text, change) -> list[dict]:
    """A tile per KPI of `labels`: its value and the period before as `text(name, value)` writes them, and
    `change(name, value, previous)` -> (words, direction: 1 better, -1 worse, 0 none)."""
    rows = []
    for name, label in labels.items():
        words, direction = change(name, current[name], previous[name])
        rows.append(
            {
                "name": name,
                "label": label,
                "help": helps.get(name, ""),
                "value": text(name, current[name]),
                "previous": text(name, previous[name]),
                "change": words,
                "direction": direction,
            }
        )
    return rows


def kpi_rows(current: dict, previous: dict) -> list[dict]:
    return tiles(LABELS, HELP, current, previous, text=_text, change=change_of)
