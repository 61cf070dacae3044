"""The analytics figures from the engine core.engines chooses.

On PostgreSQL, the SQL of kpis.py, charts.py, email.py and delivery_promises.py (time zones, LATERAL,
GROUPING SETS, FILTER, percentile_cont) is the fast path for real shops. On any other database (the
SQLite demo) small_shop.py computes the same definitions in Python from rows read with the ORM.
Callers take these figures from here, never from either engine directly (clv.py chooses for its
customer summaries itself).
"""

from datetime import date, datetime

from core import engines
from core.ranges import Period
from merchants.models import Merchant

from . import charts, small_shop
from . import delivery_promises as promises_sql
from . import email as email_sql
from . import kpis as kpis_sql


def period_kpis(merchant: Merchant, period: Period, as_of: datetime, *, clv_as_of: datetime | None = None) -> dict:
    engine = kpis_sql if engines.on_postgresql() else small_shop
    return engine.period_kpis(merchant, period, as_of, clv_as_of=clv_as_of)


def orders_and_net_revenue(merchant: Merchant, period: Period, as_of: datetime) -> tuple[dict, dict]:
    return (kpis_sql if engines.on_postgresql() else small_shop).orders_and_net_revenue(merchant, period, as_of)


def cohorts(merchant: Merchant, period: Period, as_of: datetime) -> list[kpis_sql.Cohort]:
    return (kpis_sql if engines.on_postgresql() else small_shop).cohorts(merchant, period, as_of)


def weekly_orders(merchant: Merchant, first: date, last: date) -> list[charts.Bar]:
    return (charts if engines.on_postgresql() else small_shop).weekly_orders(merchant, first, last)


def email_kpis(merchant: Merchant, period: Period, as_of: datetime) -> list[email_sql.StepEmailKpis]:
    return email_sql.email_kpis(merchant, period, as_of)  # flows chooses its own engine the same way


def delivery_promises(merchant: Merchant, period: Period) -> promises_sql.DeliveryPromises:
    return (promises_sql if engines.on_postgresql() else small_shop).delivery_promises(merchant, period)
