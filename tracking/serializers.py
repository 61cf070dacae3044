from django.db.models import Prefetch
from rest_framework import serializers

from orders.sections import OrderSection

from .models import Shipment, ShipmentStatus, TrackingEvent


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["id", "status", "substatus", "description", "city", "country", "occurred_at", "source"]


class ShipmentListSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order_id",
            "order_number",
            "external_id",
            "carrier",
            "carrier_candidates",
            "service",
            "tracking_number",
            "tracking_url",
            "status",
            "substatus",
            "shipped_at",
            "delivered_at",
            "last_event_at",
            "estimated_delivery_from",
            "estimated_delivery_to",
            "estimate_source",
            "delivered_within_window",
            "is_delayed",
            "delay_reason",
            "delayed_at",
            "cancelled_at",
        ]


class ShipmentDetailSerializer(ShipmentListSerializer):
    events = TrackingEventSerializer(many=True, read_only=True)

    class Meta(ShipmentListSerializer.Meta):
        fields = [*ShipmentListSerializer.Meta.fields, "events"]


class TrackingEventInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    occurred_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone, e.g. 2025-03-04T10:15:00Z.")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    substatus = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    estimated_delivery = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_occurred_at(self, value):
        raw = self.initial_data.get("occurred_at") if isinstance(self.initial_data, dict) else None
        if isinstance(raw, str) and not _has_offset(raw):
            raise serializers.ValidationError("Give the time zone, e.g. 2025-03-04T10:15:00Z or +01:00.")
        return value


def _has_offset(text: str) -> bool:
    tail = text.strip()[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or tail.count("-") >= 1


# --- A shipment as part of its order (POST /orders/{id}/shipments, the order's JSON) ---------


class ShipmentInputSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64)
    carrier = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Detected from the number if omitted."
    )
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    external_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Your shop's id of the fulfillment."
    )
    line_item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Ids of the order's line items in this parcel; none means the whole order.",
    )
    shipped_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ShipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shipment
        fields = [
            "id",
            "external_id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "status",
            "shipped_at",
            "delivered_at",
            "estimated_delivery_from",
            "estimated_delivery_to",
            "cancelled_at",
        ]


def shipments_order_section() -> OrderSection:
    """The order's shipments, in its API JSON and loaded with every list of orders."""
    return OrderSection(
        name="shipments",
        prefetch=lambda merchant: Prefetch(
            "shipments", queryset=Shipment.objects.filter(merchant=merchant).order_by("created_at", "id")
        ),
        field=lambda: ShipmentSerializer(many=True, read_only=True),
    )
