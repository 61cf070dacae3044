"""API shapes of returns: inputs checked here, then by the lifecycle services; one output shape.

The output is `returns.payloads.return_data`, the same JSON the order events and outbound webhooks
carry: `ReturnSerializer` only declares its fields for the OpenAPI schema.
"""

from rest_framework import serializers

from orders.services import MAX_QUANTITY

from .filters import MAX_ID
from .models import ExchangeStatus, Inspection, Method, Resolution, ReturnStatus
from .payloads import return_data

# --- Output ----------------------------------------------------------------------------------------


class ReturnItemSerializer(serializers.Serializer):
    line_item_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    reason = serializers.CharField(help_text="A reason code, e.g. too_small or damaged.")
    comment = serializers.CharField(allow_blank=True)
    inspection = serializers.ChoiceField(
        choices=Inspection.choices, allow_null=True, help_text="What the shop found in the parcel, once received."
    )


class ExchangeItemSerializer(serializers.Serializer):
    line_item_id = serializers.IntegerField(help_text="The returned line item this new item replaces.")
    variant_id = serializers.CharField(help_text="The shop's id of the new variant.")
    sku = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField(help_text="The new variant's price when the customer chose it.")


class ExchangeOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True, help_text="Our id of the exchange order (GET /api/v1/orders/{id}) once the shop sent it."
    )
    status = serializers.ChoiceField(
        choices=[c for c in ExchangeStatus.choices if c[0]],
        allow_null=True,
        help_text="reserved, requested (asked of the shop), unpaid (made, waiting for the customer to pay the "
        "difference), created, sent (shipped), or sold_out.",
    )
    items = ExchangeItemSerializer(many=True)
    amount_due = serializers.CharField(
        help_text="What the customer pays through the shop for dearer new items (0 when the exchange costs nothing)."
    )
    payment_url = serializers.CharField(
        allow_blank=True, help_text="The shop's page where the customer pays it, once the exchange order is made."
    )


class ReturnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rma = serializers.CharField(help_text="R-<order number>-<n>, as printed on the parcel.")
    order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    method = serializers.ChoiceField(choices=Method.choices)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    items = ReturnItemSerializer(many=True)
    refund_amount = serializers.CharField(help_text="What the customer gets back, in the order's currency.")
    fee = serializers.CharField(help_text="The return shipping fee deducted from the refund (none for store credit).")
    credit_amount = serializers.CharField(
        help_text="The store credit given (store_credit and shop_now): the items' value plus the bonus; 0 for a refund."
    )
    bonus_amount = serializers.CharField(help_text="The part of credit_amount that is the policy's bonus.")
    currency = serializers.CharField()
    exchange_order = ExchangeOrderSerializer(
        allow_null=True, help_text="For resolution exchange_variant: the new items and the shop's exchange order."
    )
    label_url = serializers.URLField(allow_null=True)
    qr_code_url = serializers.URLField(allow_null=True)
    tracking_number = serializers.CharField(allow_null=True)
    rejection_reason = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        return return_data(instance)


# --- Input -----------------------------------------------------------------------------------------


class ReturnItemInputSerializer(serializers.Serializer):
    line_item_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of one of the order's line items."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    reason = serializers.CharField(max_length=40, help_text="A reason code the shop offers, e.g. too_small.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    exchange_variant_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="For resolution exchange_variant: the catalogue id (GET /api/v1/products) of another active, "
        "in-stock variant of the same product, at the same price or less.",
    )


class ReturnCreateInputSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    items = ReturnItemInputSerializer(many=True)
    method = serializers.ChoiceField(choices=Method.choices, help_text="One of the methods the shop's policy offers.")
    resolution = serializers.ChoiceField(
        choices=Resolution.choices,
        required=False,
        default=Resolution.REFUND,
        help_text="One of the resolutions the shop's policy offers; store credit needs the order's customer.",
    )

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError("Choose at least one item to return.")
        return value


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why: the customer reads it.")


class InspectionInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="The return item's id…")
    line_item_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="…or its order line item's id."
    )
    inspection = serializers.ChoiceField(choices=Inspection.choices)

    def validate(self, attrs):
        if "id" not in attrs and "line_item_id" not in attrs:
            raise serializers.ValidationError({"id": ["Name the item by id or line_item_id."]})
        return attrs


class ReceiveInputSerializer(serializers.Serializer):
    items = InspectionInputSerializer(many=True)

    def validate_items(self, value):
        if not value:
            raise serializers.ValidationError("Record what you found for every item of the return.")
        return value
