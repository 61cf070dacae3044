"""Query filters of the returns API list (each backed by an index on merchant, status/order, created_at)."""

import django_filters

from core.api_filters import MAX_ID, ApiFilterSet, IdFilter, IsoMomentFromToRangeFilter

from .models import ReturnRequest, ReturnStatus


class ReturnFilter(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=ReturnStatus.choices)
    order_id = IdFilter(field_name="order_id", min_value=1, max_value=MAX_ID, help_text="The order's id.")
    created_at = IsoMomentFromToRangeFilter(
        help_text="created_at_after / created_at_before, ISO 8601 (e.g. 2025-03-01T00:00:00Z)."
    )

    class Meta:
        model = ReturnRequest
        fields = ["status", "order_id", "created_at"]
