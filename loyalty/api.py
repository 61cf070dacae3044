"""REST API of loyalty: a customer's points and entries, and adjustments.

GET  /api/v1/customers/{id}/loyalty              balances, entries paginated
POST /api/v1/customers/{id}/loyalty/adjustments  agent keys or above; points, reason
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api_pagination import PagedAnswer
from core.api_schema import BAD_REQUEST
from core.api_schema import CUSTOMER_NOT_FOUND as NOT_FOUND
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent, ledger_entry_key
from core.scoping import get_for_merchant
from merchants.api_base import MerchantAPIView
from merchants.models import Role
from orders.models import Customer

from . import selectors, services
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .models import Source
from .payloads import entry_data, entry_fields
from .serializers import LoyaltySerializer, PointsAdjustmentInputSerializer, PointsEntryWithAccountSerializer
from .tiers import status_data, tier_status


class LoyaltyView(PagedAnswer, MerchantAPIView):
    @extend_schema(
        summary="A customer's loyalty points",
        description="Available, pending and owed points, the tier held today with the next one, and the "
        "entries, newest first, paginated with `limit` and `offset`. A customer who never earned points has "
        "zeros and no entries. `tier` is null when the shop has no tiers; its `name` is null while the "
        "customer holds none.",
        responses={200: LoyaltySerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=["loyalty"],
    )
    def get(self, request, pk):
        customer = get_for_merchant(Customer, merchant=self.merchant, pk=pk)
        account = selectors.customer_account(merchant=self.merchant, customer=customer)
        paginator = self.paginator
        entries = paginator.paginate_queryset(
            selectors.customer_entries(merchant=self.merchant, customer=customer), request, view=self
        )
        page = paginator.get_paginated_response([entry_fields(entry) for entry in entries]).data
        balances = {
            "available": account.available if account else 0,
            "pending": account.pending if account else 0,
            "debt": account.debt if account else 0,
        }
        tier = status_data(tier_status(self.merchant, customer))
        return Response({"customer_id": customer.pk, **balances, "tier": tier, "entries": page})


class AdjustmentView(MerchantAPIView):
    required_write_role = Role.AGENT

    @extend_schema(
        summary="Adjust a customer's loyalty points",
        description="Adds (positive) or takes away (negative) available points, with a reason kept on the "
        "entry; at most 1,000,000 at once. Never takes the available points below zero. Send an "
        "`Idempotency-Key`: a retry with it answers the first adjustment and adds nothing.",
        request=PointsAdjustmentInputSerializer,
        responses={
            201: PointsEntryWithAccountSerializer,
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
        serializer = PointsAdjustmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = services.points_adjust(
                merchant=self.merchant,
                customer=customer,
                points=data["points"],
                reason=data["reason"],
                key=ledger_entry_key(request),
                source=Source.API,
            )
        except LoyaltyValidationError as refusal:
            raise ValidationError({name: [message] for name, message in refusal.errors.items()}) from None
        except PointsKeyConflictError as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(entry_data(entry), status=status.HTTP_201_CREATED)
