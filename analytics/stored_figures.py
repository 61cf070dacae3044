"""The Analytics page's preset ranges, stored per shop and day so that a page view reads one row.

A preset (last 30 days, last 90 days, this year) is computed the first time the page asks for it on a
day, stored, then recomputed by the minute task (analytics.tasks.refresh_daily_aggregates): right
after the shop's orders changed (its dirty days, the same marks as the daily table), and at least every
STALE_AFTER for what no order marks (emails, parcels, contacts, the passing of time). The page says as of
when its figures are. Rows of earlier days are deleted by the shop's next refresh, which first computes
for the new day the presets staff looked at lately (VIEWED_LATELY): a new day's first view reads a row.

The figures are kept in a tagged JSON that gives back exactly what was computed: Decimals as text,
dates, the page's dataclasses and the two model rows it shows (a flow, the CLV fit), through an allow
list. Plain Django and JSON: the same on PostgreSQL and SQLite.
"""

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import models
from django.utils import timezone

from core.ranges import PRESETS, Chosen, Period, chosen_range
from core.scoping import unscoped
from flows.models import Flow
from merchants.models import Merchant
from returns.figures import CurrencyFigures, ReturnFigures
from returns.figures import Week as ReturnWeek

from .charts import Bar
from .delivery_promises import CarrierPromises, DeliveryPromises
from .email import StepEmailKpis
from .kpis import Cohort
from .models import PredictedClv, StoredFigures
from .page_figures import page_figures

STALE_AFTER = timedelta(minutes=10)
VIEWED_LATELY = timedelta(days=2)  # an earlier day's preset viewed within this is carried into the new day
STORED_PRESETS = [preset for preset in PRESETS if preset != "custom"]

_CLASSES = {
    cls.__qualname__: cls
    for cls in (Period, Bar, Cohort, ReturnFigures, CurrencyFigures, ReturnWeek, StepEmailKpis)
    + (CarrierPromises, DeliveryPromises, Flow, PredictedClv)
}


def figures_encode(value):
    """`value` as JSON that `figures_decode` turns back into an equal value; TypeError for a type it does not
    know (a new kind of figure must be added to _CLASSES, and the stored-against-live test says so)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, list):
        return [figures_encode(item) for item in value]
    if isinstance(value, dict):  # keys of any kind, in their order
        return {"$": "dict", "v": [[figures_encode(key), figures_encode(item)] for key, item in value.items()]}
    if _CLASSES.get(type(value).__qualname__) is type(value):
        return {"$": type(value).__qualname__, "v": _fields(value)}
    raise TypeError(f"The stored figures cannot keep a {type(value)!r}.")


def _fields(value) -> dict:
    if isinstance(value, models.Model):
        return {field.attname: figures_encode(getattr(value, field.attname)) for field in value._meta.concrete_fields}
    return {field.name: figures_encode(getattr(value, field.name)) for field in dataclasses.fields(value)}


def figures_decode(data):
    if isinstance(data, list):
        return [figures_decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    kind, value = data["$"], data["v"]
    if kind == "decimal":
        return Decimal(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "dict":
        return {figures_decode(key): figures_decode(item) for key, item in value}
    cls = _CLASSES[kind]
    fields = {name: figures_decode(item) for name, item in value.items()}
    if not issubclass(cls, models.Model):
        return cls(**fields)
    row = cls(**fields)  # by name: jsonb keeps no key order
    row._state.adding, row._state.db = False, "default"
    return row


def _today(merchant: Merchant, now: datetime) -> date:
    return timezone.localtime(now, merchant.tzinfo).date()


def figures_as_of(merchant: Merchant, chosen: Chosen) -> datetime | None:
    """When the stored figures of a preset range were computed, or None (a custom range, or not stored yet)."""
    if chosen.preset not in STORED_PRESETS:
        return None
    rows = StoredFigures.objects.filter(merchant=merchant, preset=chosen.preset, day=chosen.last)
    return rows.values_list("as_of", flat=True).first()


def figures_stored(merchant: Merchant, chosen: Chosen) -> dict | None:
    """The stored figures of a preset range, or None (a custom range, or not stored yet): one query."""
    if chosen.preset not in STORED_PRESETS:
        return None
    row = StoredFigures.objects.filter(merchant=merchant, preset=chosen.preset, day=chosen.last).first()
    if row is None:
        return None
    try:
        return figures_decode(row.figures)
    except (KeyError, TypeError, ValueError):  # kept by an earlier version whose figures had another shape
        return None  # computed again and stored over it, as on the day's first view


def figures_store(merchant: Merchant, chosen: Chosen, figures: dict) -> None:
    """Keep a preset's figures (idempotent: a second worker's row replaces the first's, on any database)."""
    row = StoredFigures(
        merchant=merchant,
        preset=chosen.preset,
        day=chosen.last,
        as_of=figures["as_of"],
        figures=figures_encode(figures),
    )
    StoredFigures.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["merchant", "preset", "day"],
        update_fields=["as_of", "figures"],
    )


def preset_viewed(merchant: Merchant, preset: str) -> None:
    """Note that staff looked at a preset lately (the page calls it when it renders one, not on every view)."""
    cache.set(_viewed_key(merchant, preset), True, int(VIEWED_LATELY.total_seconds()))


def _viewed_key(merchant: Merchant, preset: str) -> str:
    return f"analytics:viewed:{merchant.pk}:{preset}"


def stored_figures_refresh(*, merchant: Merchant, now: datetime | None = None) -> int:
    """Recompute the shop's stored presets of today, delete those of earlier days; returns how many.

    A preset of an earlier day that staff looked at lately is computed for today too, so that the first
    view of a new day reads stored figures instead of computing them while the person waits."""
    now = now or timezone.now()
    today = _today(merchant, now)
    rows = StoredFigures.objects.filter(merchant=merchant, day__lte=today)
    stored = set(rows.values_list("preset", "day"))
    presets = sorted({preset for preset, day in stored if day == today or cache.get(_viewed_key(merchant, preset))})
    for preset in presets:
        chosen = chosen_range({"range": preset}, today)
        figures_store(merchant, chosen, page_figures(merchant, chosen, now))
    StoredFigures.objects.filter(merchant=merchant, day__lt=today).delete()
    return len(presets)


def shops_with_stale_figures(now: datetime) -> list[int]:
    """Shops with a stored preset older than STALE_AFTER, as merchant ids."""
    with unscoped():
        stale = StoredFigures.objects.filter(as_of__lt=now - STALE_AFTER)
        return sorted(set(stale.values_list("merchant_id", flat=True)))
