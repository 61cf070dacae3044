from rest_framework import serializers


class AdjustmentInputSerializer(serializers.Serializer):
    # A string, checked by the service against the currency's decimals ("12.345" EUR is refused).
    amount = serializers.CharField(max_length=32, help_text='Signed, in the currency\'s decimals: "10.00", "-5.50".')
    currency = serializers.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR.")
    reason = serializers.CharField(max_length=500, help_text="Why: kept with the entry, shown to staff.")


class WalletSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.CharField(help_text='The sum of the entries, e.g. "54.00".')
    code = serializers.CharField(help_text="What the customer types at checkout.")
    shop_reference = serializers.CharField(help_text="The shop's gift card or coupon id, once the shop has it.")
    mirror_status = serializers.ChoiceField(choices=["not_mirrored", "pending", "mirrored", "failed"])
    overdrawn = serializers.BooleanField(help_text="A spend the shop reported took the balance below zero.")
    overdrawn_at = serializers.DateTimeField(allow_null=True)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["issued", "spent", "reversed", "expired", "adjusted"])
    amount = serializers.CharField(help_text="Signed: credit added is positive.")
    currency = serializers.CharField()
    balance_after = serializers.CharField()
    source = serializers.CharField()
    source_ref = serializers.CharField()
    key = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    reverses_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class EntryWithWalletSerializer(EntrySerializer):
    wallet = WalletSerializer()


class EntryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EntrySerializer(many=True)


class StoreCreditSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    wallets = WalletSerializer(many=True, help_text="One per currency: the balance of each.")
    entries = EntryPageSerializer(help_text="Every currency's entries, newest first; paginated with limit and offset.")
