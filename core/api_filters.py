"""The base of every API list's filters: typed values are checked, never silently dropped."""

from functools import cache

import django_filters
from django import forms
from django_filters.fields import RangeField
from django_filters.widgets import DateRangeWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .moments import IsoMomentField

EMPTY_VALUE = "Give a value, or leave the parameter out."
NOT_A_BOOLEAN = "Use true or false, or leave the parameter out."


MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT64)
class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number (`?score_min=0.5` is a 400, not 0)."""

    field_class = forms.IntegerField


class IdFilter(WholeNumberFilter):
    """A database id: a whole number (`?order_id=1.5` is a 400, not order 1)."""


class IsoMomentRangeField(RangeField):
    widget = DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((IsoMomentField(), IsoMomentField()), *args, **kwargs)


class IsoMomentFromToRangeFilter(django_filters.RangeFilter):
    """name_after / name_before as ISO 8601 date-times, with an offset in use on Earth, compared in UTC."""

    field_class = IsoMomentRangeField


class ApiFilterSet(django_filters.FilterSet):
    """django-filter ignores an empty value (`?status=`, `?placed_at_before=`) and reads anything but
    true/false as "no filter" (`?delayed=null`): the client asked for a filter and silently got none.
    Here such a value is a 400 naming the filter; free-text filters keep their meaning."""

    def is_valid(self):
        valid = super().is_valid()
        for name, field in self.form.fields.items():
            if name in self.form.errors:
                continue
            problems = {
                _problem(self.filters[name], self.data[key]) for key in _parameters(name, field) if key in self.data
            }
            problems.discard(None)
            if problems:
                self.form.add_error(name, sorted(problems))
                valid = False
        return valid


def _problem(query_filter, value: str) -> str | None:
    if isinstance(query_filter, django_filters.CharFilter):
        return None
    if value == "":
        return EMPTY_VALUE
    if isinstance(query_filter, django_filters.BooleanFilter) and value not in ("true", "false"):
        return NOT_A_BOOLEAN
    return None


@cache
def filter_parameters(filterset_class: type[django_filters.FilterSet]) -> frozenset[str]:
    """Every query parameter the filters of a list read."""
    filters = filterset_class.base_filters.items()
    return frozenset(parameter for name, query_filter in filters for parameter in _parameters(name, query_filter.field))


def _parameters(name: str, field) -> list[str]:
    """The query parameters of a filter: its name, or one per part of a range (placed_at_after...)."""
    suffixes = getattr(field.widget, "suffixes", None)
    if not suffixes:
        return [name]
    return [f"{name}_{suffix}" if suffix else name for suffix in suffixes]
