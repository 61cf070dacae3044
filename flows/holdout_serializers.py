"""The shape of GET /api/v1/analytics/holdouts, for its answers and the OpenAPI schema."""

from rest_framework import serializers


class IntervalSerializer(serializers.Serializer):
    difference = serializers.FloatField(help_text="Got the emails − held out.")
    low = serializers.FloatField(help_text="95 % interval, lower bound.")
    high = serializers.FloatField(help_text="95 % interval, upper bound.")


class MoneyIntervalSerializer(serializers.Serializer):
    difference = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=True)
    low = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=True)
    high = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=True)

    def to_representation(self, instance):
        return {name: str(instance[name]) for name in ("difference", "low", "high")}


class RateGroupSerializer(serializers.Serializer):
    customers = serializers.IntegerField(help_text="Customers of the group whose window has passed.")
    repurchased = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class RepurchaseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    exposed = RateGroupSerializer()
    held_out = RateGroupSerializer()
    enough_data = serializers.BooleanField()
    difference = IntervalSerializer(allow_null=True)


class RevenueGroupSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    per_customer = serializers.CharField(allow_null=True, help_text='Net revenue per customer, e.g. "12.50".')


class RevenueSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    currency = serializers.CharField()
    exposed = RevenueGroupSerializer()
    held_out = RevenueGroupSerializer()
    enough_data = serializers.BooleanField()
    difference = MoneyIntervalSerializer(allow_null=True)


class FlowHoldoutSerializer(serializers.Serializer):
    flow_id = serializers.IntegerField()
    flow_key = serializers.CharField()
    flow_name = serializers.CharField()
    flow_kind = serializers.CharField()
    holdout_percent = serializers.IntegerField()
    exposed_customers = serializers.IntegerField()
    held_out_customers = serializers.IntegerField()
    repurchase_30 = RepurchaseSerializer()
    repurchase_90 = RepurchaseSerializer()
    revenue_90 = RevenueSerializer()
    enough_data = serializers.BooleanField(help_text="Whether the 30-day comparison has enough customers.")


class HoldoutListSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    currency = serializers.CharField()
    flows = FlowHoldoutSerializer(many=True)
