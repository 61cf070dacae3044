"""Dashboard → Returns → Overview: the returns figures of some days, formatted for the page.

Figures come from returns/figures.py (docs/kpis.md, "Returns"); here they become text in the reader's
language, and the weekly resolution shares become the coordinates of a server-drawn SVG (drawn by the
template, as analytics' charts are).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import format_day, format_money, format_number, format_share
from core.ranges import Period

from .figures import ReturnFigures
from .models import Resolution

WIDTH, HEIGHT, GAP = 600, 160, 4
# Colours of the resolutions, in the order they are stacked; a code not listed (a future resolution) is grey.
RESOLUTION_ORDER = ("exchange_variant", Resolution.SHOP_NOW, Resolution.STORE_CREDIT, Resolution.REFUND)
NO_COLOUR = "other"


@dataclass(frozen=True)
class Days:
    first: date
    last: date  # included

    def period(self, merchant) -> Period:
        tz = merchant.tzinfo
        return Period(
            datetime.combine(self.first, time(), tz), datetime.combine(self.last + timedelta(days=1), time(), tz)
        )


def resolution_label(code: str) -> str:
    """A resolution's name; a code `Resolution` does not list is named generically, never shown raw."""
    return Resolution(code).label if code in Resolution.values else _("Other resolution")


def _share(value) -> str:
    return "—" if value is None else format_share(value)


def _resolution_codes(figures: ReturnFigures) -> list[str]:
    known = [str(code) for code in RESOLUTION_ORDER if code in figures.resolutions]
    return known + sorted(code for code in figures.resolutions if code not in known)


def overview_context(figures: ReturnFigures, reason_labels: dict[str, str]) -> dict:
    codes = _resolution_codes(figures)
    return {
        "figures": figures,
        "tiles": _tiles(figures),
        "money": [_money_row(money) for money in figures.money.values()],
        "resolutions": [
            {
                "code": code,
                "colour": code if code in RESOLUTION_ORDER else NO_COLOUR,
                "text": _("%(resolution)s: %(share)s (%(returns)s)")
                % {
                    "resolution": resolution_label(code),
                    "share": _share(figures.resolution_share(code)),
                    "returns": format_number(figures.resolutions[code]),
                },
            }
            for code in codes
        ],
        "chart": _chart(figures, codes),
        "by_reason": [
            {
                "label": reason_labels.get(row["reason"], row["reason"]),
                "items": format_number(row["items"]),
                "share": _share(row["share"]),
                "rate": _share(row["rate"]),
            }
            for row in figures.by_reason
        ],
        "by_product": [_rate_row(row, row["title"]) for row in figures.by_product],
        "by_product_type": [
            _rate_row(row, row["product_type"] or _("No product type")) for row in figures.by_product_type
        ],
    }


def _tiles(figures: ReturnFigures) -> list[dict]:
    return [
        {
            "label": _("Item return rate"),
            "value": _share(figures.item_return_rate),
            "detail": _("%(returned)s returned of %(shipped)s shipped")
            % {"returned": format_number(figures.items_returned), "shipped": format_number(figures.items_shipped)},
        },
        {
            "label": _("Order return rate"),
            "value": _share(figures.order_return_rate),
            "detail": ngettext(
                "%(returned)s order with a return of %(shipped)s shipped",
                "%(returned)s orders with a return of %(shipped)s shipped",
                figures.orders_returned,
            )
            % {"returned": format_number(figures.orders_returned), "shipped": format_number(figures.orders_shipped)},
        },
        {
            "label": _("Exchange conversion"),
            "value": _share(figures.exchange_conversion),
            "detail": _("%(taken)s of %(offered)s returns offered an exchange took one")
            % {"taken": format_number(figures.exchange_taken), "offered": format_number(figures.exchange_offered)}
            if figures.exchange_offered
            else _("No return was offered an exchange in these days."),
        },
    ]


def _money_row(money) -> dict:
    cur = money.currency
    return {
        "currency": cur,
        "value_returned": format_money(money.value_returned, cur),
        "value_kept": format_money(money.value_kept, cur),
        "revenue_kept": _share(money.revenue_kept),
        "bonus_given": format_money(money.bonus_given, cur),
        "exchanges_returned": format_money(money.exchanges_returned, cur),
        "credit_expired": format_money(money.credit_expired, cur),
        "net_value_kept": format_money(money.net_value_kept, cur),
        "net_revenue_kept": _share(money.net_revenue_kept),
    }


def _rate_row(row: dict, label: str) -> dict:
    return {
        "label": label,
        "items_shipped": format_number(row["items_shipped"]),
        "items_returned": format_number(row["items_returned"]),
        "rate": _share(row["rate"]),
    }


def _chart(figures: ReturnFigures, codes: list[str]) -> dict:
    """One bar per week, as tall as the chart, split by the share of each resolution that week."""
    weeks = figures.weeks
    step = WIDTH / len(weeks) if weeks else 0
    bars = []
    for index, week in enumerate(weeks):
        x, width, y = round(index * step + GAP / 2, 1), round(step - GAP, 1), 0.0
        segments = []
        for code in codes:
            count = week.counts.get(code, 0)
            if not count:
                continue
            height = HEIGHT * count / week.returns
            segments.append(
                {
                    "colour": code if code in RESOLUTION_ORDER else NO_COLOUR,
                    "y": f"{y:.1f}",
                    "height": f"{height:.1f}",
                    "title": _("Week of %(week)s: %(resolution)s, %(share)s (%(returns)s)")
                    % {
                        "week": format_day(week.week),
                        "resolution": resolution_label(code),
                        "share": _share(week.share(code)),
                        "returns": format_number(count),
                    },
                }
            )
            y += height
        empty_title = _("Week of %(week)s: no return") % {"week": format_day(week.week)}
        bars.append({"x": f"{x:.1f}", "width": f"{width:.1f}", "segments": segments, "empty_title": empty_title})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "empty_y": HEIGHT - 1,
        "first_week": weeks[0].week if weeks else None,
        "last_week": weeks[-1].week if weeks else None,
    }
