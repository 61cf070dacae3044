"""GET /api/v1/analytics/kpis and /api/v1/analytics/cohorts (docs/kpis.md, docs/api.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.ranges import DEFAULT_DAYS, RangeError, range_parse
from merchants.api_base import MerchantAPIView

from .clv import predicted_clv_stored
from .engine import Period, cohorts, delivery_promises, email_kpis, period_kpis
from .promise_serializers import delivery_promises_data
from .serializers import COHORTS_SCHEMA, KPIS_SCHEMA, cohort_data, kpis_response, period_data, predicted_clv_data
from .service_tiles import service_figures

COHORT_DEFAULT_DAYS = 365
_MOMENT = "ISO 8601 date (midnight in the shop's time zone) or datetime with its offset."
RANGE_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.STR, description=f"Start, included. {_MOMENT} Default: `to` − 30 days (cohorts: 365)."
    ),
    OpenApiParameter("to", OpenApiTypes.STR, description=f"End, excluded. {_MOMENT} Default: the end of today."),
    OpenApiParameter(
        "as_of", OpenApiTypes.STR, description=f"What is known: refunds and orders up to it. {_MOMENT} Default: now."
    ),
]
BAD_RANGE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="A date that cannot be read, `from` ≥ `to`, a period over 5 years, or `as_of` before `from`.",
)


class RangeView(MerchantAPIView):
    extra_query_parameters = ("from", "to", "as_of")
    default_days = DEFAULT_DAYS

    def range(self, request):
        try:
            return range_parse(request.query_params, self.merchant, default_days=self.default_days)
        except RangeError as exc:
            raise ValidationError({name: [message] for name, message in exc.errors.items()}) from exc


class KpisView(RangeView):
    @extend_schema(
        summary="The order and email KPIs of a period and of the one before it",
        description=(
            "Definitions in docs/kpis.md. Ratios have 4 decimals, money is per currency with its decimals; "
            "a KPI whose denominator is 0 is null. `previous` is the period of the same length just before, "
            "its historical_clv as of the start of the period. `email`: per flow and step, sends, deliveries, "
            "open, click and unsubscribe rates, and the revenue of the orders whose last click came from it "
            "(5 days). The WISMO figures (contacts per 100 orders shipped, the reduction against the imported "
            "baseline, tracking page views per order shipped) and the NPS and CSAT of the answers first "
            "submitted in the period count what happened before as_of. "
            "Figures are at most a few minutes behind the orders. The predicted_clv_* figures come from the "
            "latest daily model fit (`predicted_clv_fitted_at`), whatever the period."
        ),
        parameters=RANGE_PARAMETERS,
        responses={200: KPIS_SCHEMA, 400: BAD_RANGE},
        tags=["analytics"],
    )
    def get(self, request):
        period, as_of = self.range(request)
        current = _period_figures(self.merchant, period, as_of)
        previous = _period_figures(self.merchant, period.previous(), as_of, clv_as_of=min(period.start, as_of))
        body = kpis_response(period, as_of, current, previous) | predicted_clv_data(predicted_clv_stored(self.merchant))
        return Response(body)


def _period_figures(merchant, period: Period, as_of, *, clv_as_of=None) -> dict:
    """The figures of one period. What happens after as_of is not known as of as_of: the parcels, contacts
    and answers of a period end there at the latest (the order and email KPIs clip it themselves)."""
    known = Period(period.start, max(period.start, min(period.end, as_of)))
    return {
        **period_kpis(merchant, period, as_of, clv_as_of=clv_as_of),
        "email": email_kpis(merchant, period, as_of),
        "delivery_promises": delivery_promises_data(delivery_promises(merchant, known)),
        **service_figures(merchant, known),
    }


class CohortsView(RangeView):
    default_days = COHORT_DEFAULT_DAYS

    @extend_schema(
        summary="Monthly cohorts of new customers",
        description=(
            "Customers grouped by the month of their first counted order, for first orders placed in [from, to); "
            "for each month after, the share who ordered again in that month and the cumulative net revenue per "
            "customer, per currency, up to `as_of`."
        ),
        parameters=RANGE_PARAMETERS,
        responses={200: COHORTS_SCHEMA, 400: BAD_RANGE},
        tags=["analytics"],
    )
    def get(self, request):
        period, as_of = self.range(request)
        rows = [cohort_data(cohort) for cohort in cohorts(self.merchant, period, as_of)]
        return Response({**period_data(period), "as_of": as_of.isoformat(), "cohorts": rows})
