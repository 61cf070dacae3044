from rest_framework import serializers

from .models import EntryKind, Source


class PointsAdjustmentInputSerializer(serializers.Serializer):
    # A string or a number, checked by the service (whole, not zero, within the limit).
    points = serializers.CharField(max_length=16, help_text="Signed whole points: 50, -20.")
    reason = serializers.CharField(max_length=500, help_text="Why: kept with the entry, shown to staff.")


class LoyaltyAccountSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    available = serializers.IntegerField(help_text="Points the customer can use now; never below zero.")
    pending = serializers.IntegerField(help_text="Points earned that become available once the order's wait is over.")
    debt = serializers.IntegerField(help_text="Points taken back that had been spent: paid off from future points.")


class PointsEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # Plain strings: "kind" and "source" enums of store credit already take those schema names.
    kind = serializers.CharField(help_text="One of: " + ", ".join(EntryKind.values) + ".")
    source = serializers.CharField(help_text="One of: " + ", ".join(Source.values) + ".")
    points = serializers.IntegerField(help_text="Pending and available points the entry added (signed).")
    pending = serializers.IntegerField()
    available = serializers.IntegerField()
    debt = serializers.IntegerField()
    available_after = serializers.IntegerField()
    pending_after = serializers.IntegerField()
    debt_after = serializers.IntegerField()
    order_id = serializers.IntegerField(allow_null=True)
    order_number = serializers.CharField()
    key = serializers.CharField()
    available_on = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class PointsEntryWithAccountSerializer(PointsEntrySerializer):
    account = LoyaltyAccountSerializer()


class PointsEntryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PointsEntrySerializer(many=True)


class NextTierSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The next tier's English name.")
    remaining = serializers.IntegerField(
        help_text="Points, or whole currency units spent, still to reach it over the program's period."
    )


class TierStatusSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True, help_text="The tier held today (English name); null for none.")
    reached_at = serializers.DateTimeField(allow_null=True)
    term_ends_on = serializers.DateField(
        allow_null=True, help_text="The term's last day: kept until then at least; null for life or no tier."
    )
    next = NextTierSerializer(allow_null=True, help_text="Null at the highest tier.")


class LoyaltySerializer(LoyaltyAccountSerializer):
    tier = TierStatusSerializer(allow_null=True, help_text="Null when the shop has no tiers.")
    entries = PointsEntryPageSerializer(help_text="Newest first; paginated with limit and offset.")
