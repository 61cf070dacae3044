"""The catalogue's API shapes: products with their variants inline, as read and as written."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import amount_str
from orders.serializers import CurrencyAmountsMixin

from .models import Product, Source, Variant
from .services import MAX_OPTIONS, MAX_VARIANTS, ProductInput, VariantInput

# --- Output ----------------------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()


class VariantSerializer(CurrencyAmountsMixin, serializers.ModelSerializer):
    external_id = serializers.CharField(source="variant_id", help_text="The shop's variant id.")
    options = OptionSerializer(many=True, help_text="In the shop's order, e.g. Size then Colour.")
    price = serializers.CharField()
    compare_at_price = serializers.CharField(allow_null=True)
    available = serializers.IntegerField(allow_null=True, help_text="Units in stock; null when stock is not tracked.")
    money_fields = ("price",)

    class Meta:
        model = Variant
        fields = [
            "id",
            "external_id",
            "sku",
            "title",
            "options",
            "position",
            "price",
            "compare_at_price",
            "currency",
            "image_url",
            "available",
            "inventory_item_id",
            "active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.compare_at_price is not None:
            data["compare_at_price"] = amount_str(instance.compare_at_price, instance.currency)
        return data


class ProductSerializer(serializers.ModelSerializer):
    external_id = serializers.CharField(source="product_id", help_text="The shop's product id: the upsert key.")
    active = serializers.BooleanField(source="for_sale", help_text="The shop sells it (published, not deleted).")
    suggestible = serializers.BooleanField(source="active", help_text="Staff allow suggesting it to customers.")
    updated_at = serializers.DateTimeField(
        source="source_updated_at", allow_null=True, help_text="The shop's updated_at of the version stored."
    )
    variants = VariantSerializer(many=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "external_id",
            "source",
            "title",
            "handle",
            "url",
            "product_type",
            "tags",
            "image_url",
            "active",
            "suggestible",
            "deleted_at",
            "updated_at",
            "synced_at",
            "variants",
        ]


# --- Input -----------------------------------------------------------------------------------------


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "decimal", "example": "29.00"}, {"type": "number", "minimum": 0}]}
)
class AmountField(serializers.DecimalField):
    """An amount as a string or a number, kept exact and never negative; the service checks its
    decimals against the currency's (2 for EUR, 3 for KWD, 0 for JPY)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=None, min_value=0, **kwargs)


class OptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    value = serializers.CharField(max_length=255)


class VariantInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="Your shop's variant id.")
    sku = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    options = OptionInputSerializer(many=True, required=False, default=list, max_length=MAX_OPTIONS)
    price = AmountField()
    compare_at_price = AmountField(required=False, allow_null=True, default=None)
    image_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    available = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Units in stock; null when not tracked."
    )
    inventory_item_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class ProductInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="Your shop's id of the product: the upsert key.")
    title = serializers.CharField(max_length=255)
    handle = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default="", help_text="The product's page on the shop."
    )
    product_type = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=255), required=False, default=list)
    image_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True, help_text="The shop sells it.")
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, default="", help_text="ISO 4217; default: the shop's."
    )
    updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When your shop last changed the product. A version older than the stored one is ignored.",
    )
    variants = VariantInputSerializer(many=True, help_text="Every variant: the ones left out are retired.")

    def validate_variants(self, value):
        if not value:
            raise serializers.ValidationError("A product needs at least one variant.")
        if len(value) > MAX_VARIANTS:
            raise serializers.ValidationError(f"At most {MAX_VARIANTS} variants.")
        return value

    def to_product_input(self) -> ProductInput:
        data = self.validated_data
        return ProductInput(
            external_id=data["external_id"],
            source=Source.API,
            title=data["title"],
            handle=data["handle"],
            url=data["url"],
            product_type=data["product_type"],
            tags=data["tags"],
            image_url=data["image_url"],
            for_sale=data["active"],
            currency=data["currency"],
            source_updated_at=data["updated_at"],
            variants=[
                VariantInput(
                    variant_id=variant["external_id"],
                    sku=variant["sku"],
                    title=variant["title"],
                    options=[(option["name"], option["value"]) for option in variant["options"]],
                    price=variant["price"],
                    compare_at_price=variant["compare_at_price"],
                    image_url=variant["image_url"],
                    available=variant["available"],
                    inventory_item_id=variant["inventory_item_id"],
                    active=variant["active"],
                    position=index + 1,
                )
                for index, variant in enumerate(data["variants"])
            ],
        )
