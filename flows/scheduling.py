"""When a step is due: J+N in wall-clock days, then moved into the step's send window.

All arithmetic happens in the customer's (or the shop's) local time so "J+2 at 15:00"
stays 15:00 across a daylight-saving change; the result is stored in UTC.
"""

from datetime import UTC, date, datetime, time, timedelta

from core.locale import customer_time_zone


def local_tz(*, order, merchant, source: str, customer=None):
    """The customer's time zone when the step wants it (core.locale's rule), else the shop's.

    The customer is the order's; a customer-anchored message (no order) passes its own.
    """
    if order is not None:
        customer = order.customer if order.customer_id else None
    if source != "customer" or customer is None:
        return merchant.tzinfo
    return customer_time_zone(merchant=merchant, customer=customer)


def localize(naive: datetime, tz) -> datetime:
    """Attach `tz` to a wall-clock time; a time that does not exist (spring gap) moves forward."""
    aware = naive.replace(tzinfo=tz)
    return datetime.fromtimestamp(aware.timestamp(), tz)


def _at(day: date, moment: time, tz) -> datetime:
    return localize(datetime.combine(day, moment), tz)


def fit_window(moment: datetime, start: time, end: time, tz) -> datetime:
    """The first instant at or after `moment` inside [start, end) local time."""
    local = moment.astimezone(tz)
    if local.time() < start:
        return _at(local.date(), start, tz)
    if local.time() >= end:
        return _at(local.date() + timedelta(days=1), start, tz)
    return local


def due_time(*, anchor_at: datetime, step, tz) -> datetime:
    if not step.delay_days and not step.delay_hours and not step.has_window:
        return anchor_at
    local = anchor_at.astimezone(tz).replace(tzinfo=None)
    moment = localize(local + timedelta(days=step.delay_days), tz) + timedelta(hours=step.delay_hours)
    if step.has_window:
        moment = fit_window(moment, step.window_start, step.window_end, tz)
    return moment.astimezone(UTC)
