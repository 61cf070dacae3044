"""REST API of the catalogue: /api/v1/products (list, upsert) and /api/v1/products/{id}.

For shops without a webhook integration of ours: a product is written with all its variants at once,
through the same service as the shops' webhooks, so the same checks and out-of-order rule apply.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet
from orders.api import ServiceErrorsMixin

from . import selectors
from .filters import ProductFilter
from .models import Product
from .serializers import ProductInputSerializer, ProductSerializer
from .services import ProductValidationError, product_upsert

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such product for this API key's shop.")


def _api_field(name: str) -> str:
    """The service names a variant's id "variant_id"; the API calls it "external_id"."""
    return name.replace(".variant_id", ".external_id")


@extend_schema_view(
    list=extend_schema(
        summary="List products",
        description="By title, each with its variants; paginated with limit and offset; filter by active, source, q.",
    ),
    retrieve=extend_schema(summary="Get a product", responses={200: ProductSerializer, 404: NOT_FOUND}),
)
class ProductViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return Product._base_manager.none()
        return selectors.products_list(merchant=self.merchant)

    def handle_exception(self, exc):
        if isinstance(exc, ProductValidationError):
            exc = ValidationError({_api_field(name): [message] for name, message in exc.errors.items()})
        return super().handle_exception(exc)

    @extend_schema(
        summary="Create or update a product",
        description=(
            "Upserts by `external_id` with every variant inline: 201 when the product is new, 200 when it "
            "updated an existing one. Variants left out are retired (inactive). A version whose `updated_at` "
            "is older than the stored one changes nothing. Prices are in the shop's currency unless given."
        ),
        request=ProductInputSerializer,
        responses={
            201: ProductSerializer,
            200: OpenApiResponse(ProductSerializer, description="An existing product was updated."),
            400: BAD_REQUEST,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product, created = product_upsert(merchant=self.merchant, data=serializer.to_product_input())
        fresh = selectors.products_list(merchant=self.merchant).get(pk=product.pk)
        return Response(
            ProductSerializer(fresh).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
