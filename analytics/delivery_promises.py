"""Delivery promises (docs/kpis.md): per carrier, the share of delivered parcels that arrived by the last
day of the window shown to the customer when they shipped, and transit times in business days.

One SQL statement per period: the carriers and the all-carriers total (GROUPING SETS), PostgreSQL's
percentile_cont for the median and the 90th percentile. Business days are Monday to Friday, counted
in the shop's time zone, by arithmetic on the days (no calendar table, no loop).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.ranges import Period
from merchants.models import Merchant
from tracking.carriers import carrier_name
from tracking.models import ShipmentDirection

from .kpis import ratio, sql_rows

TRANSIT = Decimal("0.1")

# Weekdays from Monday 1900-01-01 up to and including the day: 5 per whole week, then the week's start.
_WEEKDAYS_TO = "(5 * (({day} - DATE '1900-01-01') / 7) + LEAST(({day} - DATE '1900-01-01') %% 7 + 1, 5))"
_SHIPPED_ON = "(s.shipped_at AT TIME ZONE %(tz)s)::date"
_DELIVERED_ON = "(s.delivered_at AT TIME ZONE %(tz)s)::date"

# Parcels to the customer (not cancelled, not of a test order) delivered in the period. Transit: the
# business days after the day it shipped up to the day it arrived (0 the same day), as the tracking
# page's windows count them; a parcel without a ship date, or "delivered" before it shipped, has none.
_PROMISES = f"""
WITH delivered AS (
  SELECT s.carrier, {_DELIVERED_ON} AS delivered_on, s.promised_delivery_to AS promised_to,
         CASE WHEN {_SHIPPED_ON} <= {_DELIVERED_ON}
              THEN {_WEEKDAYS_TO.format(day=_DELIVERED_ON)} - {_WEEKDAYS_TO.format(day=_SHIPPED_ON)} END AS transit
  FROM tracking_shipment s JOIN orders_order o ON o.id = s.order_id
  WHERE s.merchant_id = %(merchant)s AND s.direction = %(outbound)s AND s.cancelled_at IS NULL
    AND s.delivered_at >= %(start)s AND s.delivered_at < %(end)s AND NOT o.test
)
SELECT carrier, grouping(carrier), count(*), count(promised_to),
       count(*) FILTER (WHERE delivered_on <= promised_to),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY transit),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY transit)
FROM delivered GROUP BY GROUPING SETS ((carrier), ())
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass(frozen=True)
class CarrierPromises:
    carrier: str  # the code; "" for the all-carriers total
    delivered: int  # parcels delivered in the period
    with_promise: int  # of those, with the window shown when they shipped
    on_time: int  # of those, arrived by the window's last day (early counts as on time)
    transit_median: Decimal | None  # business days, 1 decimal
    transit_p90: Decimal | None

    @property
    def name(self) -> str:
        return carrier_name(self.carrier) if self.carrier else ""

    @property
    def without_promise(self) -> int:
        return self.delivered - self.with_promise

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.on_time, self.with_promise)


@dataclass(frozen=True)
class DeliveryPromises:
    carriers: list[CarrierPromises]  # most delivered first
    total: CarrierPromises


def transit_rounded(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TRANSIT, rounding=ROUND_HALF_UP)


def delivery_promises(merchant: Merchant, period: Period) -> DeliveryPromises:
    """The delivery promise figures of the parcels delivered in the period, in one query."""
    params = {
        "merchant": merchant.pk,
        "tz": str(merchant.tzinfo),
        "outbound": ShipmentDirection.OUTBOUND,
        "start": period.start,
        "end": period.end,
    }
    carriers, total = [], CarrierPromises("", 0, 0, 0, None, None)
    for carrier, is_total, delivered, promised, on_time, median, p90 in sql_rows(_PROMISES, params):
        row = CarrierPromises(
            carrier or "", delivered, promised, on_time, transit_rounded(median), transit_rounded(p90)
        )
        if is_total:
            total = row
        else:
            carriers.append(row)
    carriers.sort(key=lambda row: (-row.delivered, row.name.casefold()))
    return DeliveryPromises(carriers=carriers, total=total)
