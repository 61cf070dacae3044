"""`limit` and `offset` of every API list, read as the schema declares them.

DRF's own class reads `offset=null` as 0 and `limit=abc` as the default, so a client's bug
goes unnoticed and it pages through the wrong rows; here a bad value is a 400 naming it.
"""

import re

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_LIMIT = 1000
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and never beyond a 64-bit integer


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        self._check_parameters(request)
        return super().paginate_queryset(queryset, request, view)

    def _check_parameters(self, request):
        errors = {}
        limit = request.query_params.get(self.limit_query_param)
        if limit is not None and not (_is_whole_number(limit) and 1 <= int(limit) <= self.max_limit):
            errors[self.limit_query_param] = [f"Give a whole number from 1 to {self.max_limit}, or leave it out."]
        offset = request.query_params.get(self.offset_query_param)
        if offset is not None and not _is_whole_number(offset):
            errors[self.offset_query_param] = ["Give a whole number, 0 or more, or leave it out."]
        if errors:
            raise ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


def _is_whole_number(text: str) -> bool:
    return _WHOLE_NUMBER.fullmatch(text) is not None


class PagedAnswer:
    """For an APIView whose answer holds a paginated list (GenericAPIView's paginator without the rest)."""

    pagination_class = LimitOffsetPagination

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = self.pagination_class()
        return self._paginator
