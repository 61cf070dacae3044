"""Every figure of the Analytics page for a range of days, as of a moment: forty-odd queries on a big shop.

Preset ranges are read from `analytics_storedfigures` (analytics/stored_figures.py), custom ones computed
here on each request.
"""

from datetime import datetime, timedelta

from core.ranges import Chosen
from flows.holdouts import flows_with_holdout
from returns.figures import return_figures

from .clv import predicted_clv_stored
from .engine import Period, cohorts, delivery_promises, email_kpis, period_kpis, weekly_orders
from .service_tiles import service_figures
from .wismo_holdouts import holdouts_with_wismo


def _cohort_period(merchant, chosen: Chosen) -> Period:
    """First orders of the 12 months up to the range's last day."""
    start = (chosen.last.replace(day=1) - timedelta(days=330)).replace(day=1)
    return Period(
        chosen.period(merchant).start.replace(year=start.year, month=start.month, day=1), chosen.period(merchant).end
    )


def page_figures(merchant, chosen: Chosen, now: datetime) -> dict:
    period = chosen.period(merchant)
    return {
        "as_of": now,
        "period": period,
        "current": period_kpis(merchant, period, now),
        "previous": period_kpis(merchant, period.previous(), now, clv_as_of=period.start),
        "bars": weekly_orders(merchant, chosen.first, chosen.last + timedelta(days=1)),
        "cohorts": cohorts(merchant, _cohort_period(merchant, chosen), now),
        "clv": predicted_clv_stored(merchant),  # the latest daily fit (analytics.tasks)
        "returns": return_figures(merchant=merchant, period=period, now=now),
        "email": email_kpis(merchant, period, now),
        "promises": delivery_promises(merchant, period),
        "promises_before": delivery_promises(merchant, period.previous()),
        "holdouts": _holdouts(merchant, now),
        "service": service_figures(merchant, period),
        "service_before": service_figures(merchant, period.previous()),
    }


def _holdouts(merchant, now) -> list[dict]:
    """Every flow that holds customers out (or did), as of now: three queries whatever their number."""
    flows = list(flows_with_holdout().filter(merchant=merchant))
    return holdouts_with_wismo(merchant, flows, now) if flows else []
