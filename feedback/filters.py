"""Query filters of the survey answers API list (each backed by an index on merchant and answer time)."""

import django_filters

from core.api_filters import MAX_ID, ApiFilterSet, IdFilter, IsoMomentFromToRangeFilter, WholeNumberFilter

from .models import Kind, Response


class ResponseFilter(ApiFilterSet):
    survey = django_filters.ChoiceFilter(field_name="kind", choices=Kind.choices, help_text="csat or nps.")
    score_min = WholeNumberFilter(field_name="score", lookup_expr="gte", min_value=0, max_value=10)
    score_max = WholeNumberFilter(field_name="score", lookup_expr="lte", min_value=0, max_value=10)
    created_at = IsoMomentFromToRangeFilter(
        field_name="first_answered_at",
        help_text="created_at_after / created_at_before (the first submit), ISO 8601, e.g. 2026-03-01T00:00:00Z.",
    )
    order_id = IdFilter(field_name="order_id", min_value=1, max_value=MAX_ID, help_text="The order's id.")
    customer_id = IdFilter(field_name="customer_id", min_value=1, max_value=MAX_ID, help_text="The customer's id.")

    class Meta:
        model = Response
        fields = ["survey", "score_min", "score_max", "created_at", "order_id", "customer_id"]
