"""Query filters of the orders and customers API lists (each one backed by an index)."""

import django_filters

from core.api_filters import ApiFilterSet, IsoMomentFromToRangeFilter

from .models import Customer, FinancialStatus, FulfillmentStatus, Order
from .selectors import order_email_q, order_number_q, order_status_choices, order_status_q


class OrderFilter(ApiFilterSet):
    status = django_filters.ChoiceFilter(
        choices=order_status_choices,
        method="filter_status",
        help_text="A financial status, a fulfillment status, or 'cancelled'.",
    )
    financial_status = django_filters.ChoiceFilter(choices=FinancialStatus.choices)
    fulfillment_status = django_filters.ChoiceFilter(choices=FulfillmentStatus.choices)
    placed_at = IsoMomentFromToRangeFilter(
        help_text="placed_at_after / placed_at_before, ISO 8601 (e.g. 2025-03-01T00:00:00Z); offsets -12:00 to +14:00."
    )
    email = django_filters.CharFilter(method="filter_email", help_text="The customer's email (case-insensitive).")
    number = django_filters.CharFilter(method="filter_number", help_text="e.g. #1001 or 1001.")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Order
        fields = ["status", "financial_status", "fulfillment_status", "placed_at", "email", "number", "external_id"]

    def filter_status(self, queryset, name, value: str):
        return queryset.filter(order_status_q(value))

    def filter_email(self, queryset, name, value):
        return queryset.filter(order_email_q(value))

    def filter_number(self, queryset, name, value):
        return queryset.filter(order_number_q(value))


class CustomerFilter(ApiFilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact", help_text="Case-insensitive.")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Customer
        fields = ["email", "external_id"]
