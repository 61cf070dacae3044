"""The home page's KPI tiles: the last 30 days against the 30 before."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from .aggregates import analytics_available
from .kpis import Period, period_kpis

DAYS = 30


def kpis_home_figures(*, merchant, since) -> dict:
    if not analytics_available():
        return {"available": False}
    now = timezone.now()
    tomorrow = timezone.localtime(now, merchant.tzinfo).date() + timedelta(days=1)
    end = datetime.combine(tomorrow, time(), merchant.tzinfo)
    kpis = period_kpis(merchant, Period(end - timedelta(days=DAYS), end), now)
    return {"available": True, "days": DAYS, "repeat_rate": kpis["repeat_rate"], "aov": kpis["aov"]}
