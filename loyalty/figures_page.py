"""Dashboard → Loyalty → Figures: the program's figures of the chosen days, as text in the reader's language."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.l10n import format_money, format_number, format_share
from core.ranges import PRESETS, Chosen, PresetError, chosen_range, presets_query

from .figures import LoyaltyFigures, OrderGroup, loyalty_figures


def _share(value) -> str:
    return "—" if value is None else format_share(value)


def _money(amount, currency: str) -> str:
    return "—" if amount is None else format_money(amount, currency)


def figures_context(merchant, query) -> tuple[dict, int]:
    """The page's context and status: 400 with the reason for days that cannot be read."""
    try:
        chosen = chosen_range(presets_query(query), timezone.localdate(timezone=merchant.tzinfo))
    except PresetError as refusal:
        return {"error": str(refusal), "presets": PRESETS, "query": query}, 400
    figures = loyalty_figures(merchant=merchant, period=chosen.period(merchant))
    return _context(chosen, figures), 200


def _context(chosen: Chosen, figures: LoyaltyFigures) -> dict:
    value = figures.point_value
    return {
        "chosen": chosen,
        "presets": PRESETS,
        "figures": figures,
        "tiles": _tiles(figures),
        "point_value": None
        if value is None
        else _("%(points)s points are worth %(value)s (the best rate of the rewards offered).")
        % {"points": format_number(value.points), "value": format_money(value.value, value.currency)},
        "months": [
            {
                "month": month.month,
                "earned": format_number(month.earned),
                "spent": format_number(month.spent),
                "expired": format_number(month.expired),
            }
            for month in figures.months
        ],
        "compared": _compared(figures),
        "referral_revenue": [format_money(amount, cur) for cur, amount in figures.referral_revenue.items()],
    }


def _tiles(figures: LoyaltyFigures) -> list[dict]:
    currency = figures.point_value.currency if figures.point_value else ""
    return [
        {
            "label": _("Members"),
            "value": format_number(figures.members),
            "detail": _("New in these days: %(new)s") % {"new": format_number(figures.new_members)},
        },
        {
            "label": _("Points outstanding"),
            "value": format_number(figures.available),
            "detail": _("%(pending)s pending, %(owed)s owed by members")
            % {"pending": format_number(figures.pending), "owed": format_number(figures.debt)},
        },
        {
            "label": _("Value of the points outstanding"),
            "value": _money(figures.liability, currency),
            "detail": _("and %(pending)s for the pending points")
            % {"pending": _money(figures.pending_liability, currency)}
            if figures.point_value
            else _("No amount-off or store credit reward gives points a value."),
        },
        {
            "label": _("Redemption rate"),
            "value": _share(figures.redemption_rate),
            "detail": _("%(spent)s points spent of %(earned)s earned")
            % {"spent": format_number(figures.spent), "earned": format_number(figures.earned)},
        },
        {
            "label": _("Points expired"),
            "value": format_number(figures.expired),
            "detail": _("in these days"),
        },
        {
            "label": _("Referral conversion"),
            "value": _share(figures.referral_conversion),
            "detail": _("Referred friends who ordered: %(converted)s of %(referrals)s")
            % {"converted": format_number(figures.referrals_converted), "referrals": format_number(figures.referrals)},
        },
    ]


def _group_cells(group: OrderGroup | None) -> dict:
    if group is None:
        return {"customers": "0", "repeat_rate": "—", "orders": "0", "aov": "—"}
    return {
        "customers": format_number(group.customers),
        "repeat_rate": _share(group.repeat_rate),
        "orders": format_number(group.orders),
        "aov": _money(group.average_order_value, group.currency),
    }


def _compared(figures: LoyaltyFigures) -> list[dict]:
    """One row per currency: members' orders and other customers' side by side."""
    currencies = sorted(set(figures.members_orders) | set(figures.others_orders))
    return [
        {
            "currency": currency,
            "members": _group_cells(figures.members_orders.get(currency)),
            "others": _group_cells(figures.others_orders.get(currency)),
        }
        for currency in currencies
    ]
