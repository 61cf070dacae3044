"""REST API of rewards.

GET  /api/v1/loyalty/rewards                          the rewards customers can redeem now, paginated
POST /api/v1/customers/{id}/loyalty/redemptions       agent keys or above; reward_id, Idempotency-Key
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api_pagination import PagedAnswer
from core.api_schema import BAD_REQUEST
from core.api_schema import CUSTOMER_NOT_FOUND as NOT_FOUND
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent, ledger_entry_key
from core.scoping import get_for_merchant
from merchants.api_base import MerchantAPIView
from merchants.models import Role
from orders.models import Customer

from . import rewards
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .models_rewards import RedemptionStatus, RewardKind
from .payloads_rewards import redemption_data, reward_data


class RewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="One of: " + ", ".join(RewardKind.values) + ".")
    points = serializers.IntegerField(help_text="The points it costs.")
    value = serializers.CharField(
        help_text='The amount off or credited ("5.00"), the percent off ("10"), "0.00" for free shipping.'
    )
    currency = serializers.CharField()
    name_en = serializers.CharField()
    name_fr = serializers.CharField()
    active = serializers.BooleanField()


class RewardPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RewardSerializer(many=True)


class RedemptionInputSerializer(serializers.Serializer):
    reward_id = serializers.IntegerField(min_value=1, help_text="A reward of GET /loyalty/rewards.")


class RedemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    reward_id = serializers.IntegerField()
    kind = serializers.CharField(help_text="One of: " + ", ".join(RewardKind.values) + ".")
    points = serializers.IntegerField(help_text="The points spent.")
    value = serializers.CharField()
    currency = serializers.CharField()
    status = serializers.CharField(
        help_text="One of: " + ", ".join(RedemptionStatus.values) + ". `pending` while the shop makes the code."
    )
    code = serializers.CharField(
        help_text="The discount code, once the shop made it; empty before and for store credit."
    )
    points_entry_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    issued_at = serializers.DateTimeField(allow_null=True)
    given_back_at = serializers.DateTimeField(allow_null=True)


class RewardsView(PagedAnswer, MerchantAPIView):
    @extend_schema(
        summary="Loyalty rewards",
        description="The rewards customers can redeem now (active, not deleted), cheapest first, paginated "
        "with `limit` and `offset`.",
        responses={200: RewardPageSerializer},
        tags=["loyalty"],
    )
    def get(self, request):
        page = self.paginator.paginate_queryset(rewards.rewards_offered(self.merchant), request, view=self)
        currency = self.merchant.currency
        return self.paginator.get_paginated_response([reward_data(reward, currency) for reward in page])


class RedemptionView(MerchantAPIView):
    required_write_role = Role.AGENT

    @extend_schema(
        summary="Redeem a reward for a customer",
        description="Spends the reward's points from the customer's available points (400 when they have too "
        "few). A discount's code is made in the shop afterwards: `status` is `pending` until then, and the "
        "customer is emailed the code; if the shop cannot make it, the points are given back. Store credit "
        "is issued at once. Send an `Idempotency-Key`: a retry answers the first redemption and spends nothing. "
        "A reward of another shop, or deleted, is a 404.",
        request=RedemptionInputSerializer,
        responses={
            201: RedemptionSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        tags=["loyalty"],
    )
    @idempotent
    def post(self, request, pk):
        customer = get_for_merchant(Customer, merchant=self.merchant, pk=pk)
        serializer = RedemptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            redemption = rewards.reward_redeem(
                merchant=self.merchant,
                customer=customer,
                reward_id=serializer.validated_data["reward_id"],
                key=ledger_entry_key(request),
            )
        except rewards.RewardNotFoundError:
            raise NotFound("No such reward in this shop.") from None
        except LoyaltyValidationError as refusal:
            raise ValidationError({name: [message] for name, message in refusal.errors.items()}) from None
        except PointsKeyConflictError as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(redemption_data(redemption), status=status.HTTP_201_CREATED)
