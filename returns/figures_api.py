"""GET /api/v1/returns/figures: the returns figures of a period (docs/kpis.md, "Returns").

`from` and `to` are read by the same reader as /api/v1/analytics/kpis (core.ranges): the same
defaults, the same refusals. Ratios are numbers with 4 decimals, money {currency: "amount"} strings.
"""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api_schema import period_parameters, period_refused
from core.money import amount_str
from core.ranges import DEFAULT_DAYS, RangeError, range_parse
from merchants.api_base import MerchantAPIView

from .figures import CurrencyFigures, ReturnFigures, return_figures

MONEY_FIGURES = (
    "value_returned",
    "value_kept",
    "bonus_given",
    "exchanges_returned",
    "credit_expired",
    "net_value_kept",
)
RATIO_FIGURES = ("revenue_kept", "net_revenue_kept")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _per_currency(money: dict[str, CurrencyFigures], name: str, *, is_money: bool) -> dict | None:
    if not money:
        return None
    if is_money:
        return {cur: amount_str(getattr(figures, name), cur) for cur, figures in money.items()}
    return {cur: _number(getattr(figures, name)) for cur, figures in money.items()}


def figures_data(figures: ReturnFigures) -> dict:
    """The API's JSON of the figures: what the Overview page shows."""
    ratio_rows = ("share", "rate")

    def rows(entries):
        return [{k: _number(v) if k in ratio_rows else v for k, v in entry.items()} for entry in entries]

    return {
        "from": figures.period.start.isoformat(),
        "to": figures.period.end.isoformat(),
        "orders_shipped": figures.orders_shipped,
        "items_shipped": figures.items_shipped,
        "orders_returned": figures.orders_returned,
        "items_returned": figures.items_returned,
        "item_return_rate": _number(figures.item_return_rate),
        "order_return_rate": _number(figures.order_return_rate),
        "by_reason": rows(figures.by_reason),
        "by_product": rows(figures.by_product),
        "by_product_type": rows(figures.by_product_type),
        **{name: _per_currency(figures.money, name, is_money=True) for name in MONEY_FIGURES},
        **{name: _per_currency(figures.money, name, is_money=False) for name in RATIO_FIGURES},
        "returns": figures.returns,
        "resolutions": {
            code: {"returns": count, "share": _number(figures.resolution_share(code))}
            for code, count in sorted(figures.resolutions.items())
        },
        "weeks": [
            {
                "week": week.week.isoformat(),
                "returns": week.returns,
                "resolutions": {
                    code: {"returns": count, "share": _number(week.share(code))}
                    for code, count in sorted(week.counts.items())
                },
            }
            for week in figures.weeks
        ],
        "exchange_offered": figures.exchange_offered,
        "exchange_taken": figures.exchange_taken,
        "exchange_conversion": _number(figures.exchange_conversion),
    }


_RATIO = {"allow_null": True, "help_text": "4 decimals; null when its denominator is 0."}
_MONEY = serializers.DictField(
    child=serializers.CharField(), allow_null=True, help_text='Per currency, with its decimals: {"EUR": "125.47"}.'
)
_RATIOS = serializers.DictField(
    child=serializers.FloatField(allow_null=True),
    allow_null=True,
    help_text='Per currency, 4 decimals: {"EUR": 0.7727}; null for a currency that had nothing returned.',
)
_SHARE = inline_serializer(
    "ReturnResolutionCount",
    {"returns": serializers.IntegerField(), "share": serializers.FloatField(**_RATIO)},
)
_COUNTS = serializers.DictField(child=_SHARE, help_text="Per resolution code: its returns and their share.")
_ROW = {
    "items_shipped": serializers.IntegerField(),
    "items_returned": serializers.IntegerField(),
    "rate": serializers.FloatField(**_RATIO),
}
FIGURES_SCHEMA = inline_serializer(
    "ReturnFigures",
    {
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "orders_shipped": serializers.IntegerField(
            help_text="Counted orders whose first parcel shipped in the period."
        ),
        "items_shipped": serializers.IntegerField(help_text="Units of those orders."),
        "orders_returned": serializers.IntegerField(help_text="Counted orders with a counted return in the period."),
        "items_returned": serializers.IntegerField(help_text="Units of the counted returns of the period."),
        "item_return_rate": serializers.FloatField(**_RATIO),
        "order_return_rate": serializers.FloatField(**_RATIO),
        "by_reason": inline_serializer(
            "ReturnFiguresReason",
            {
                "reason": serializers.CharField(),
                "items": serializers.IntegerField(),
                "share": serializers.FloatField(**_RATIO),
                "rate": serializers.FloatField(**_RATIO),
            },
            many=True,
        ),
        "by_product": inline_serializer(
            "ReturnFiguresProduct",
            {"product_id": serializers.CharField(), "title": serializers.CharField(), **_ROW},
            many=True,
        ),
        "by_product_type": inline_serializer(
            "ReturnFiguresProductType", {"product_type": serializers.CharField(), **_ROW}, many=True
        ),
        **{name: _MONEY for name in MONEY_FIGURES},
        **{name: _RATIOS for name in RATIO_FIGURES},
        "returns": serializers.IntegerField(help_text="Counted returns of the period."),
        "resolutions": _COUNTS,
        "weeks": inline_serializer(
            "ReturnFiguresWeek",
            {
                "week": serializers.DateField(help_text="The week's Monday, in the shop's calendar."),
                "returns": serializers.IntegerField(),
                "resolutions": _COUNTS,
            },
            many=True,
        ),
        "exchange_offered": serializers.IntegerField(),
        "exchange_taken": serializers.IntegerField(),
        "exchange_conversion": serializers.FloatField(**_RATIO),
    },
)


class ReturnFiguresView(MerchantAPIView):
    extra_query_parameters = ("from", "to")

    @extend_schema(
        summary="The returns figures of a period",
        description=(
            "Definitions in docs/kpis.md, section Returns: return rates (overall, by reason, product and product "
            "type), revenue kept and net revenue kept per currency, the bonus given, the share of each resolution "
            "per week, exchange conversion. Figures are as the returns, orders and wallets stand now."
        ),
        parameters=period_parameters(),
        responses={
            200: FIGURES_SCHEMA,
            400: period_refused(),
        },
        tags=["returns"],
    )
    def get(self, request):
        now = timezone.now()
        try:
            period, _now = range_parse(
                request.query_params, self.merchant, now=now, default_days=DEFAULT_DAYS, with_as_of=False
            )
        except RangeError as exc:
            raise ValidationError({name: [message] for name, message in exc.errors.items()}) from exc
        return Response(figures_data(return_figures(merchant=self.merchant, period=period, now=now)))
