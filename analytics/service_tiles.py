"""The Analytics page's customer service tiles: WISMO rate and reduction (support.selectors, docs/kpis.md
"WISMO"), tracking page views per order shipped (self-service deflection) and NPS (feedback.selectors),
each with the previous period and the change, like the order KPIs."""

from django.utils.translation import gettext_lazy as _

from core.l10n import format_number, format_share
from core.ranges import Period
from feedback.selectors import scores_between
from merchants.models import Merchant
from support.selectors import wismo_rate

from .page import better_or_worse, change_of, points_change, tiles

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


def service_figures(merchant: Merchant, period: Period) -> dict:
    """Every WISMO and survey figure of the period (the tiles show four; the API gives them all).

    Six queries: five for WISMO (support.selectors.wismo_rate), one for the survey scores.
    """
    wismo = wismo_rate(merchant, period.start, period.end)
    nps, csat = scores_between(merchant=merchant, since=period.start, until=period.end)
    return {
        "wismo_contacts": wismo.contacts,
        "orders_shipped": wismo.orders_shipped,
        "wismo_rate": wismo.rate,
        "wismo_baseline_rate": wismo.baseline_rate,
        "wismo_reduction": wismo.reduction,
        "tracking_page_views_per_shipped_order": wismo.page_views_per_shipped_order,
        "nps": nps.score,
        "nps_answers": nps.count,
        "csat": csat.share,
        "csat_mean": csat.mean,
        "csat_answers": csat.count,
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
    return change, better_or_worse(name, sign)  # the colour says better or worse


def service_rows(current: dict, previous: dict) -> list[dict]:
    return tiles(LABELS, HELP, current, previous, text=_text, change=_change)
