"""The Analytics page's customer service tiles: WISMO rate and reduction (support.selectors, docs/kpis.md
"WISMO"), tracking page views per order shipped (self-service deflection) and NPS (feedback.selectors),
each with the previous period and the change, like the order KPIs."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from core.l10n import format_number, format_share
from core.ranges import Period
from feedback.selectors import scores_of_period
from merchants.models import Merchant

from .engine import wismo_rate
from .page import change_of, points_change, tiles

LABELS = {
    "wismo_rate": _("“Where is my order?” contacts per 100 orders shipped"),
    "wismo_reduction": _("Fewer “where is my order?” contacts than before"),
    "tracking_page_views_per_shipped_order": _("Tracking page views per order shipped"),
    "nps": _("NPS"),
}
HELP = {
    "wismo_rate": _("Tracking-page contacts and helpdesk tickets counted as WISMO, per 100 orders shipped."),
    "wismo_reduction": _("How far below your baseline (Customer contacts → Baseline) the rate is."),
    "tracking_page_views_per_shipped_order": _("Customers who looked up their parcel instead of asking."),
    "nps": _("Promoters minus detractors, over the NPS answers of the period."),
}
LOWER_IS_BETTER = {"wismo_rate"}


def service_figures(merchant: Merchant, period: Period) -> dict:
    """Six queries: five for WISMO (support.selectors.wismo_rate), one for the survey scores."""
    wismo = wismo_rate(merchant, period.start, period.end)
    tz = merchant.tzinfo
    first, last = period.start.astimezone(tz).date(), (period.end - timedelta(days=1)).astimezone(tz).date()
    nps, _csat = scores_of_period(merchant=merchant, start=first, end=last)
    return {
        "wismo_rate": wismo.rate,
        "wismo_reduction": wismo.reduction,
        "tracking_page_views_per_shipped_order": wismo.page_views_per_shipped_order,
        "nps": nps.score,
    }


def _text(name: str, value) -> str:
    if value is None:
        return "—"
    if name == "wismo_reduction":
        return format_share(value)
    if name == "nps":
        return f"{'+' if value > 0 else ''}{format_number(value)}"
    return format_number(value)


def _change(name: str, value, previous) -> tuple[str, int]:
    change, sign = points_change(value, previous) if name == "nps" else change_of(name, value, previous)
    return change, -sign if name in LOWER_IS_BETTER else sign  # the colour says better or worse


def service_rows(current: dict, previous: dict) -> list[dict]:
    return tiles(LABELS, HELP, current, previous, text=_text, change=_change)
