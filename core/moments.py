"""Date-times read from people and machines, checked before they reach a query or a row.

Python accepts UTC offsets up to ±23:59 and PostgreSQL refuses those beyond ±15:59 with an
error, so `+16:00` in a filter was a 500. A moment is taken only with an offset some place on
Earth uses (UTC-12:00 to UTC+14:00) and is handed on in UTC, which also turns a moment that
falls outside the calendar once in UTC (year 1 or 9999 at the edge) into a clear refusal.
"""

from datetime import UTC, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

EARLIEST_OFFSET = timedelta(hours=-12)
LATEST_OFFSET = timedelta(hours=14)


class UtcMomentMixin:
    """For a DateTimeField: refuse offsets no place uses, and give the value in UTC."""

    default_error_messages = {
        "offset": _("Use a UTC offset between -12:00 and +14:00, e.g. 2025-03-04T10:15:00+01:00 or Z."),
        "out_of_range": _("This date and time is out of range: use a year between 1 and 9999."),
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.utcoffset() is None:
            return moment
        if not EARLIEST_OFFSET <= moment.utcoffset() <= LATEST_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


class MomentField(UtcMomentMixin, forms.DateTimeField):
    """A date-time typed in a dashboard form."""


class IsoMomentField(UtcMomentMixin, IsoDateTimeField):
    """An ISO 8601 date-time given as an API query parameter."""
