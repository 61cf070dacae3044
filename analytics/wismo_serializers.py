"""The holdout results' JSON with the WISMO comparison of notification flows, for answers and the schema."""

from rest_framework import serializers

from flows.holdout_serializers import FlowHoldoutSerializer, HoldoutListSerializer


class WismoGroupSerializer(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Orders of the group whose 30 days have passed.")
    contacts = serializers.IntegerField(help_text="Their WISMO contacts opened within those 30 days.")
    per_100_orders = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=False)


class WismoIntervalSerializer(serializers.Serializer):
    difference = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, help_text="Got the emails − held out, per 100 orders."
    )
    low = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    high = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)


class WismoHoldoutSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    exposed = WismoGroupSerializer()
    held_out = WismoGroupSerializer()
    enough_data = serializers.BooleanField()
    difference = WismoIntervalSerializer(allow_null=True)
    reduction = serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        allow_null=True,
        coerce_to_string=False,
        help_text="1 − exposed rate / held-out rate; null without enough data or without a held-out contact.",
    )


class FlowHoldoutWithWismoSerializer(FlowHoldoutSerializer):
    wismo = WismoHoldoutSerializer(allow_null=True, help_text="Notification flows only; null for marketing flows.")


class HoldoutWithWismoListSerializer(HoldoutListSerializer):
    flows = FlowHoldoutWithWismoSerializer(many=True)
