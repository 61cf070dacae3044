"""The Analytics page's delivery promise table: per carrier, formatted in the reader's language."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import format_number, format_share

from .delivery_promises import CarrierPromises, DeliveryPromises
from .page import change_of


def _shown(value) -> str:
    return "—" if value is None else format_number(value)


def _row(name: str, row: CarrierPromises, previous_rate) -> dict:
    change, direction = change_of("on_time_rate", row.on_time_rate, previous_rate)
    return {
        "name": name,
        "delivered": format_number(row.delivered),
        "with_promise": format_number(row.with_promise),
        "on_time": format_number(row.on_time),
        "rate": "—" if row.on_time_rate is None else format_share(row.on_time_rate),
        "before": "—" if previous_rate is None else format_share(previous_rate),
        "change": change,
        "direction": direction,
        "median": _shown(row.transit_median),
        "p90": _shown(row.transit_p90),
    }


def delivery_promise_table(current: DeliveryPromises, previous: DeliveryPromises) -> dict:
    """The carriers (display names, never codes), the all-carriers row, and what was left out and why."""
    before = {row.carrier: row.on_time_rate for row in previous.carriers}
    missing = current.total.without_promise
    left_out = ngettext(
        "%(count)s delivered parcel has no delivery window recorded from when it shipped (it shipped before "
        "windows were recorded, or none could be estimated): it is not in the on-time rate.",
        "%(count)s delivered parcels have no delivery window recorded from when they shipped (they shipped before "
        "windows were recorded, or none could be estimated): they are not in the on-time rate.",
        missing,
    ) % {"count": format_number(missing)}
    return {
        "rows": [_row(row.name, row, before.get(row.carrier)) for row in current.carriers],
        "total": _row(_("All carriers"), current.total, previous.total.on_time_rate),
        "left_out": left_out if missing else "",
    }


def delivery_promise_csv_rows(current: DeliveryPromises, previous: DeliveryPromises):
    """The table as CSV rows, bare values (4-decimal rates), carriers by their names."""
    before = {row.carrier: row.on_time_rate for row in previous.carriers}
    yield (
        "carrier",
        "delivered",
        "with_promise",
        "without_promise",
        "on_time",
        "on_time_rate",
        "previous_on_time_rate",
        "transit_median_business_days",
        "transit_p90_business_days",
    )
    named = [(row.name, row, before.get(row.carrier)) for row in current.carriers]
    for name, row, previous_rate in [*named, (_("All carriers"), current.total, previous.total.on_time_rate)]:
        yield (
            name,
            row.delivered,
            row.with_promise,
            row.without_promise,
            row.on_time,
            row.on_time_rate,
            previous_rate,
            row.transit_median,
            row.transit_p90,
        )
