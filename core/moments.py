"""Date-times read from people and machines, checked before they reach a query or a row.

Python accepts UTC offsets up to ±23:59 and PostgreSQL refuses those beyond ±15:59 with an
error, so `+16:00` in a filter was a 500. A moment is taken only with an offset some place on
Earth uses (UTC-12:00 to UTC+14:00) and is handed on in UTC, which also turns a moment that
falls outside the calendar once in UTC (year 1 or 9999 at the edge) into a clear refusal.
"""

from datetime import UTC, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

EARLIEST_OFFSET = timedelta(hours=-12)
LATEST_OFFSET = timedelta(hours=14)
OFFSET_MESSAGE = _("Use a UTC offset between -12:00 and +14:00, e.g. 2025-03-04T10:15:00+01:00 or Z.")
OUT_OF_RANGE_MESSAGE = _("This date and time is out of range: use a year between 1 and 9999.")


class MomentError(ValueError):
    """A date-time no place on Earth shows, or one outside the calendar once in UTC."""

    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message, self.code = message, code


def utc_moment(moment: datetime) -> datetime:
    """An aware date-time in UTC; MomentError if its offset is one no place uses or UTC overflows it."""
    if not EARLIEST_OFFSET <= moment.utcoffset() <= LATEST_OFFSET:
        raise MomentError(OFFSET_MESSAGE, "offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise MomentError(OUT_OF_RANGE_MESSAGE, "out_of_range") from None


def moment_parse(text: str, *, naive_tz=None) -> datetime:
    """An ISO 8601 date-time sent by a machine, in UTC; MomentError says what is wrong with it.

    One without an offset is read in `naive_tz`, and refused without one. A well-formed but
    impossible date (February 30) is refused like any other unreadable text.
    """
    try:
        parsed = parse_datetime(text.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise MomentError(_("This is not an ISO 8601 date and time."), "invalid")
    if timezone.is_naive(parsed):
        if naive_tz is None:
            raise MomentError(_("Give the UTC offset, e.g. 2025-03-04T10:15:00+01:00 or Z."), "naive")
        parsed = timezone.make_aware(parsed, naive_tz)
    return utc_moment(parsed)


class UtcMomentMixin:
    """For a DateTimeField: refuse offsets no place uses, and give the value in UTC."""

    default_error_messages = {"offset": OFFSET_MESSAGE, "out_of_range": OUT_OF_RANGE_MESSAGE}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.utcoffset() is None:
            return moment
        try:
            return utc_moment(moment)
        except MomentError as exc:
            raise forms.ValidationError(self.error_messages[exc.code], code=exc.code) from None


class MomentField(UtcMomentMixin, forms.DateTimeField):
    """A date-time typed in a dashboard form."""


class IsoMomentField(UtcMomentMixin, IsoDateTimeField):
    """An ISO 8601 date-time given as an API query parameter."""
