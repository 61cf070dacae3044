"""GET /api/v1/analytics/holdouts: each flow with a holdout, exposed against held-out customers.

The figures and their definitions are flows.holdouts' (docs/flows.md, "Holdout groups"), with the WISMO
comparison of the notification flows (analytics.wismo_holdouts), which reads the tracking and support
contacts that flows cannot import.
"""

from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.moments import MomentError, moment_parse, utc_moment
from core.scoping import get_for_merchant
from flows.holdouts import flows_with_holdout
from flows.models import Flow
from merchants.api_base import MerchantAPIView

from .wismo_holdouts import holdouts_with_wismo
from .wismo_serializers import HoldoutWithWismoListSerializer

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad parameter is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such flow for this API key's shop.")


def _as_of(text: str | None, merchant) -> datetime:
    """Now, a date (midnight in the shop's time zone) or a date-time with its offset."""
    if text is None:
        return timezone.now()
    try:
        day = parse_date(text.strip()) if len(text.strip()) == 10 else None
        if day is not None:
            return utc_moment(timezone.make_aware(datetime.combine(day, time()), merchant.tzinfo))
        return moment_parse(text)
    except (MomentError, ValueError) as exc:
        message = exc.message if isinstance(exc, MomentError) else str(exc)
        raise ValidationError(
            {"as_of": [f"{message} Give a date (2026-03-01) or a date-time with its offset (2026-03-01T09:00:00Z)."]}
        ) from None


def _flow_id(text: str) -> int:
    if not text.strip().isdigit():
        raise ValidationError({"flow": ["Give a flow id, a whole number, e.g. flow=12."]})
    return int(text)


def result_data(result: dict) -> dict:
    flow = result["flow"]
    data = {key: value for key, value in result.items() if key != "flow"}
    return {"flow_id": flow.pk, "flow_key": flow.key, "flow_name": flow.name, "flow_kind": flow.kind, **data}


class HoldoutResultsView(MerchantAPIView):
    extra_query_parameters = ("as_of", "flow")

    @extend_schema(
        summary="Holdout results per flow",
        description="For each flow that holds customers out (or did): customers who got its emails against "
        "customers held out, reordering within 30 and 90 days of the email's due time, net revenue per "
        "customer over 90 days in the shop's currency, and each difference (got the emails − held out) with "
        "its 95 % interval. `difference` is null and `enough_data` false until each group has 30 customers "
        "whose window has passed. Rates are fractions between 0 and 1. For a notification flow (not marketing), "
        "`wismo`: “where is my order?” contacts within 30 days per 100 orders, got the emails against held "
        "out, the difference per 100 orders with its 95 % interval (Welch, on the contacts per order) once "
        "each group has 30 orders whose 30 days have passed and both 10 contacts in all, and the relative "
        "reduction; null for a marketing flow.",
        parameters=[
            OpenApiParameter(
                "as_of",
                str,
                description="A date (midnight in the shop's time zone) or a date-time with offset; default now.",
            ),
            OpenApiParameter("flow", int, description="Only this flow."),
        ],
        responses={200: HoldoutWithWismoListSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        tags=["analytics"],
    )
    def get(self, request):
        as_of = _as_of(request.query_params.get("as_of"), self.merchant)
        flow_param = request.query_params.get("flow")
        if flow_param is not None:
            flows = [get_for_merchant(Flow, merchant=self.merchant, pk=_flow_id(flow_param))]
        else:
            flows = list(flows_with_holdout())
        results = holdouts_with_wismo(self.merchant, flows, as_of)
        payload = {"as_of": as_of, "currency": self.merchant.currency, "flows": [result_data(r) for r in results]}
        return Response(HoldoutWithWismoListSerializer(payload).data)
