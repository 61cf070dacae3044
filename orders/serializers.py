"""API shapes of orders and customers: inputs that build service inputs, outputs for responses."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import amount_str, is_currency_code

from .models import Customer, FinancialStatus, FulfillmentStatus, LineItem, Order, Refund
from .sections import order_sections
from .selectors import order_payment_facts
from .services import (
    MAX_PAYMENT_GATEWAYS,
    MAX_QUANTITY,
    AddressInput,
    CustomerInput,
    DiscountCodeInput,
    LineItemInput,
    OrderInput,
    RefundLineInput,
)


def money_field(**kwargs):
    """An amount as a string or a number, kept exact and never negative.

    Its decimals depend on the order's currency (2 for EUR, 3 for KWD, 0 for JPY): the service
    checks them, so the field is read here without a fixed number of places.
    """
    return serializers.DecimalField(max_digits=None, decimal_places=None, min_value=0, **kwargs)


class CurrencyAmountsMixin:
    """Amounts shown with their currency's decimals ("12.50" EUR, "12.345" KWD, "1000" JPY), never rounded."""

    money_fields: tuple[str, ...] = ()

    def currency_of(self, instance) -> str:
        return instance.currency

    def to_representation(self, instance):
        data = super().to_representation(instance)
        currency = self.currency_of(instance)
        for name in self.money_fields:
            data[name] = amount_str(getattr(instance, name), currency)
        return data


# --- Input ---------------------------------------------------------------------------------------


class AddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address1 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    address2 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 3166-1 alpha-2, e.g. FR.",
        error_messages={"invalid": "Use a two-letter ISO 3166-1 country code (e.g. FR)."},
    )


class CustomerInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    first_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    language = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="", help_text="e.g. fr, fr-FR, en."
    )
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    accepts_marketing = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("external_id"):
            raise serializers.ValidationError({"email": ["Give the customer's email or external_id."]})
        return attrs


class LineItemInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    sku = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    product_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    variant_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=255)
    variant_title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = money_field()
    product_type = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=255), required=False, default=list)
    image_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class DiscountCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=255)
    amount = money_field(help_text="What the code took off, in the order's currency.")
    type = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class OrderInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="Your shop's id of the order: the upsert key.")
    number = serializers.CharField(max_length=64, help_text="As the customer sees it, e.g. #1001.")
    placed_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When your shop last changed the order. A version older than the stored one is ignored.",
    )
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    subtotal = money_field(required=False, allow_null=True, default=None, help_text="Default: sum of line items.")
    shipping = money_field(required=False, default=0)
    tax = money_field(required=False, default=0)
    discount = money_field(required=False, default=0)
    total = money_field()
    financial_status = serializers.ChoiceField(choices=FinancialStatus.choices, default=FinancialStatus.PENDING)
    fulfillment_status = serializers.ChoiceField(
        choices=FulfillmentStatus.choices, required=False, allow_null=True, default=None
    )
    cancelled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    cancel_reason = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default="", help_text="Default: the customer's email."
    )
    language = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    customer = CustomerInputSerializer(required=False, allow_null=True, default=None)
    shipping_address = AddressInputSerializer(required=False, allow_null=True, default=None)
    line_items = LineItemInputSerializer(many=True)
    landing_site = serializers.CharField(required=False, allow_blank=True, default="")
    referring_site = serializers.CharField(required=False, allow_blank=True, default="")
    discount_codes = DiscountCodeInputSerializer(
        many=True, required=False, allow_null=True, default=None, help_text="Omitted: keep the stored ones."
    )
    payment_gateways = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=MAX_PAYMENT_GATEWAYS,
        required=False,
        allow_null=True,
        default=None,
        help_text="The payment gateways' names; gift_card marks a gift card payment. Omitted: keep the stored ones.",
    )
    exchange_for_rma = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="The number of the return this order is the exchange for. Omitted: keep the stored one.",
    )
    test = serializers.BooleanField(required=False, default=False)

    def validate_currency(self, value):
        if not is_currency_code(value):
            raise serializers.ValidationError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, USD).")
        return value.upper()

    def validate_line_items(self, value):
        if not value:
            raise serializers.ValidationError("An order needs at least one line item.")
        return value

    def to_order_input(self) -> OrderInput:
        data = dict(self.validated_data)
        customer = data.pop("customer")
        address = data.pop("shipping_address")
        lines = data.pop("line_items")
        codes = data.pop("discount_codes")
        return OrderInput(
            **{key: value for key, value in data.items() if key != "updated_at"},
            source_updated_at=data["updated_at"],
            customer=CustomerInput(**customer) if customer else None,
            shipping_address=AddressInput(**address) if address else None,
            line_items=[LineItemInput(**line) for line in lines],
            discount_codes=None if codes is None else [DiscountCodeInput(**code) for code in codes],
            source_platform="api",
        )


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="e.g. customer, fraud, inventory."
    )


class RefundLineInputSerializer(serializers.Serializer):
    line_item_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    external_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Or your shop's id of the line item."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    def validate(self, attrs):
        if not attrs["line_item_id"] and not attrs["external_id"]:
            raise serializers.ValidationError({"line_item_id": ["Name the line item by line_item_id or external_id."]})
        return attrs


class RefundInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=64, help_text="Your shop's id of the refund: sending the same id again changes nothing."
    )
    amount = money_field(help_text="Money given back, in the order's currency.")
    line_items = RefundLineInputSerializer(
        many=True, required=False, default=list, help_text="The items given back, if any (marks them refunded)."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    refunded_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def to_refund_lines(self) -> list[RefundLineInput]:
        return [
            RefundLineInput(
                quantity=line["quantity"],
                line_item_id=line["line_item_id"],
                line_item_external_id=line["external_id"],
            )
            for line in self.validated_data["line_items"]
        ]


# --- Output ----------------------------------------------------------------------------------------


class OrderCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "external_id", "email", "first_name", "last_name", "language"]


class LineItemSerializer(CurrencyAmountsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price",)

    def currency_of(self, line):
        return line.order.currency  # the order the line was read through: no query

    class Meta:
        model = LineItem
        fields = [
            "id",
            "external_id",
            "sku",
            "product_id",
            "variant_id",
            "title",
            "variant_title",
            "quantity",
            "quantity_refunded",
            "unit_price",
            "product_type",
            "tags",
            "image_url",
        ]


class ShippingAddressSerializer(serializers.Serializer):
    name = serializers.CharField(source="shipping_name")
    address1 = serializers.CharField(source="shipping_address1")
    address2 = serializers.CharField(source="shipping_address2")
    city = serializers.CharField(source="shipping_city")
    postal_code = serializers.CharField(source="shipping_postal_code")
    country = serializers.CharField(source="shipping_country")


class DiscountCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.CharField(help_text="In the order's currency, as a decimal string.")
    type = serializers.CharField(help_text="Shopify's percentage, fixed_amount or shipping; empty for WooCommerce.")


class OrderSerializer(CurrencyAmountsMixin, serializers.ModelSerializer):
    money_fields = ("subtotal", "shipping", "tax", "discount", "total", "refunded_amount")
    customer = OrderCustomerSerializer(allow_null=True)
    line_items = LineItemSerializer(many=True)
    shipping_address = serializers.SerializerMethodField()
    discount_codes = DiscountCodeSerializer(many=True, read_only=True)
    payment_gateways = serializers.ListField(child=serializers.CharField(), read_only=True)
    paid_with_gift_card = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(source="source_updated_at", allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "external_id",
            "number",
            "placed_at",
            "updated_at",
            "currency",
            "subtotal",
            "shipping",
            "tax",
            "discount",
            "total",
            "refunded_amount",
            "financial_status",
            "fulfillment_status",
            "cancelled_at",
            "cancel_reason",
            "email",
            "language",
            "customer",
            "shipping_address",
            "line_items",
            "discount_codes",
            "payment_gateways",
            "paid_with_gift_card",
            "exchange_for_rma",
            "source_platform",
            "test",
        ]

    def get_fields(self):
        fields = super().get_fields()
        for section in order_sections():  # shipments, messages… as their apps registered them
            if section.field is not None:
                fields[section.name] = section.field()
        return fields

    @extend_schema_field(ShippingAddressSerializer)
    def get_shipping_address(self, order):
        return ShippingAddressSerializer(order).data

    def get_paid_with_gift_card(self, order) -> bool:
        return order_payment_facts(order).paid_with_gift_card


class CustomerSerializer(serializers.ModelSerializer):
    orders_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "language",
            "time_zone",
            "accepts_marketing",
            "created_at",
            "orders_count",
        ]


class TimelineEntrySerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField()
    source = serializers.CharField()
    payload = serializers.JSONField()


class RefundSerializer(CurrencyAmountsMixin, serializers.ModelSerializer):
    money_fields = ("amount",)

    class Meta:
        model = Refund
        fields = ["id", "external_id", "amount", "currency", "line_items", "note", "source", "refunded_at"]
