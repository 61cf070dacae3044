"""The home page's KPI tiles: the last 30 days against the 30 before."""

from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.utils import timezone

from .engine import Period, period_kpis

DAYS = 30
HOME_SECONDS = 60  # the home page is opened often: its tiles are computed once a minute per shop


def kpis_home_figures(*, merchant, since) -> dict:
    key = f"analytics:home:{merchant.pk}"
    return cache.get_or_set(key, lambda: _figures(merchant), HOME_SECONDS)


def _figures(merchant) -> dict:
    now = timezone.now()
    tomorrow = timezone.localtime(now, merchant.tzinfo).date() + timedelta(days=1)
    end = datetime.combine(tomorrow, time(), merchant.tzinfo)
    kpis = period_kpis(merchant, Period(end - timedelta(days=DAYS), end), now)
    return {"available": True, "days": DAYS, "repeat_rate": kpis["repeat_rate"], "aov": kpis["aov"]}
