"""REST API of reviews: POST /api/v1/reviews (a review the shop or its review app saw), and reading them back.

A review is known by its platform and its id there (`external_id`): sending it again returns the
stored review (200) and changes nothing; the same id with other data is a 409 naming what differs,
the first report standing (loyalty may have rewarded it already). Idempotency-Key works as on
every POST.
"""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api_filters import MAX_ID, ApiFilterSet, IdFilter, IsoMomentFromToRangeFilter
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet
from orders.api import ServiceErrorsMixin
from orders.models import Customer, Order

from .models_reviews import Platform, Review
from .review_payloads import review_data
from .review_services import ReviewConflictError, ReviewInput, review_report

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such review for this API key's shop.")
CONFLICT = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="This platform and external_id were reported with other data: `fields` names what differs, "
    "`review` is the stored review, unchanged.",
)


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_id = serializers.IntegerField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    product_id = serializers.CharField()
    rating = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField()
    url = serializers.URLField()
    created_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return review_data(instance)


class ReviewInputSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text="Our order id.")
    customer_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Our customer id (when no order is known)."
    )
    product_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    rating = serializers.IntegerField(min_value=1, max_value=5)
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(max_length=128, help_text="The review's id on its platform.")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(help_text="When the customer wrote the review (ISO 8601).")

    def validate(self, attrs):
        if "order_id" not in attrs and "customer_id" not in attrs:
            raise ValidationError({"order_id": ["Give order_id or customer_id: who wrote the review."]})
        return attrs


class ReviewFilter(ApiFilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    order_id = IdFilter(field_name="order_id", min_value=1, max_value=MAX_ID, help_text="Our order id.")
    customer_id = IdFilter(field_name="customer_id", min_value=1, max_value=MAX_ID, help_text="Our customer id.")
    created_at = IsoMomentFromToRangeFilter(help_text="created_at_after / created_at_before, ISO 8601.")

    class Meta:
        model = Review
        fields = ["platform", "order_id", "customer_id", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="List reviews", description="Newest first; paginated with limit and offset."),
    retrieve=extend_schema(summary="Get a review", responses={200: ReviewSerializer, 404: NOT_FOUND}),
)
class ReviewViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return Review._base_manager.none()
        return Review.objects.filter(merchant=self.merchant).order_by("-created_at", "-id")

    def handle_exception(self, exc):
        if isinstance(exc, ReviewConflictError):
            body = {"detail": str(exc), "fields": exc.fields, "review": review_data(exc.review)}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    @extend_schema(
        summary="Report a review a customer wrote",
        description=(
            "On the shop, Judge.me, Google, Trustpilot or elsewhere. Sending the same platform and external_id "
            "again returns the stored review with 200 and changes nothing; with other data it is a 409."
        ),
        request=ReviewInputSerializer,
        responses={
            201: ReviewSerializer,
            200: ReviewSerializer,
            400: BAD_REQUEST,
            409: CONFLICT,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order, customer = self._who(data)
        review, created = review_report(
            merchant=self.merchant,
            data=ReviewInput(
                order=order,
                customer=customer,
                product_id=data["product_id"],
                rating=data["rating"],
                platform=data["platform"],
                external_id=data["external_id"],
                url=data["url"],
                created_at=data["created_at"],
            ),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(review_data(review), status=code)

    def _who(self, data) -> tuple[Order | None, Customer | None]:
        """The order and customer named, both of this shop; another shop's id reads as missing."""
        order = customer = None
        if "order_id" in data:
            order = Order.objects.filter(merchant=self.merchant, pk=data["order_id"]).first()
            if order is None:
                raise ValidationError({"order_id": ["No order with this id in your shop."]})
        if "customer_id" in data:
            customer = Customer.objects.filter(merchant=self.merchant, pk=data["customer_id"]).first()
            if customer is None:
                raise ValidationError({"customer_id": ["No customer with this id in your shop."]})
        if order is not None and customer is not None and order.customer_id != customer.pk:
            raise ValidationError({"customer_id": ["This customer did not place this order."]})
        return order, customer
