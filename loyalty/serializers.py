from rest_framework import serializers


class AdjustmentInputSerializer(serializers.Serializer):
    # A string or a number, checked by the service (whole, not zero, within the limit).
    points = serializers.CharField(max_length=16, help_text="Signed whole points: 50, -20.")
    reason = serializers.CharField(max_length=500, help_text="Why: kept with the entry, shown to staff.")


class AccountSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    available = serializers.IntegerField(help_text="Points the customer can use now; never below zero.")
    pending = serializers.IntegerField(help_text="Points earned that become available once the order's wait is over.")
    debt = serializers.IntegerField(help_text="Points taken back that had been spent: paid off from future points.")


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["earned", "available", "reversed", "cancelled", "adjusted"])
    source = serializers.ChoiceField(choices=["order", "refund", "staff", "api"])
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


class EntryWithAccountSerializer(EntrySerializer):
    account = AccountSerializer()


class EntryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EntrySerializer(many=True)


class LoyaltySerializer(AccountSerializer):
    entries = EntryPageSerializer(help_text="Newest first; paginated with limit and offset.")
