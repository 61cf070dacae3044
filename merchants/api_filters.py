"""Filters shared by the API lists."""

import django_filters
from django_filters.fields import RangeField
from django_filters.widgets import DateRangeWidget

from .moments import IsoMomentField


class IsoMomentRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((IsoMomentField(), IsoMomentField()), *args, **kwargs)


class IsoMomentFromToRangeFilter(django_filters.RangeFilter):
    """name_after / name_before as ISO 8601 date-times, with an offset in use on Earth, compared in UTC."""

    field_class = IsoMomentRangeField
