"""Filters of the shipments API list (each backed by an index on merchant + field)."""

import django_filters

from core.api_filters import ApiFilterSet

from .models import Shipment, ShipmentStatus


class ShipmentFilter(ApiFilterSet):
    carrier = django_filters.CharFilter(help_text="Our carrier code, e.g. colissimo, dhl, ups, unknown.")
    status = django_filters.ChoiceFilter(choices=ShipmentStatus.choices)
    delayed = django_filters.BooleanFilter(field_name="is_delayed", help_text="true: late shipments only.")

    class Meta:
        model = Shipment
        fields = ["carrier", "status", "delayed"]
