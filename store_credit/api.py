"""REST API of store credit: a customer's balances and entries, and staff adjustments.

GET  /api/v1/customers/{id}/store-credit              balance per currency, entries paginated
POST /api/v1/customers/{id}/store-credit/adjustments  admin keys; amount, currency, reason
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
from .errors import CreditKeyConflictError, CreditValidationError
from .payloads import entry_data, entry_fields, wallet_data
from .serializers import AdjustmentInputSerializer, EntryWithWalletSerializer, StoreCreditSerializer


class StoreCreditView(PagedAnswer, MerchantAPIView):
    @extend_schema(
        summary="A customer's store credit",
        description="The balance of each of the customer's wallets (one per currency) and their entries, "
        "newest first, paginated with `limit` and `offset`.",
        responses={200: StoreCreditSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=["store credit"],
    )
    def get(self, request, pk):
        customer = get_for_merchant(Customer, merchant=self.merchant, pk=pk)
        wallets = selectors.customer_wallets(merchant=self.merchant, customer=customer)
        paginator = self.paginator
        entries = paginator.paginate_queryset(
            selectors.customer_entries(merchant=self.merchant, customer=customer), request, view=self
        )
        page = paginator.get_paginated_response([entry_fields(entry, entry.wallet.currency) for entry in entries]).data
        return Response({"customer_id": customer.pk, "wallets": [wallet_data(w) for w in wallets], "entries": page})


class AdjustmentView(MerchantAPIView):
    required_write_role = Role.ADMIN

    @extend_schema(
        summary="Adjust a customer's store credit",
        description="Adds (positive amount) or takes away (negative) credit, with a reason kept on the entry. "
        "Needs an admin key. Never takes a balance below zero. Send an `Idempotency-Key`: a retry with it "
        "answers the first adjustment and adds nothing.",
        request=AdjustmentInputSerializer,
        responses={
            201: EntryWithWalletSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        tags=["store credit"],
    )
    @idempotent
    def post(self, request, pk):
        customer = get_for_merchant(Customer, merchant=self.merchant, pk=pk)
        serializer = AdjustmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = services.credit_adjust(
                merchant=self.merchant,
                customer=customer,
                amount=data["amount"],
                currency=data["currency"],
                key=ledger_entry_key(request),
                reason=data["reason"],
                by_user=None,
            )
        except CreditValidationError as refusal:
            raise ValidationError({name: [message] for name, message in refusal.errors.items()}) from None
        except CreditKeyConflictError as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(entry_data(entry), status=status.HTTP_201_CREATED)
