"""GET /api/v1/loyalty/figures: the loyalty program's figures of a period (docs/kpis.md, "Loyalty").

`from` and `to` are read by the same reader as /api/v1/analytics/kpis and /api/v1/returns/figures
(core.ranges): the same defaults, the same refusals. Ratios are numbers with 4 decimals, money
{currency: "amount"} strings.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api_schema import period_parameters, period_refused
from core.money import amount_str
from core.ranges import DEFAULT_DAYS, RangeError, range_parse
from merchants.api_base import MerchantAPIView

from .figures import LoyaltyFigures, OrderGroup, loyalty_figures


def _number(value) -> float | None:
    return None if value is None else float(value)


def _money(amount, currency: str) -> dict | None:
    return None if amount is None else {currency: amount_str(amount, currency)}


def _groups(groups: dict[str, OrderGroup]) -> dict:
    return {
        currency: {
            "customers": group.customers,
            "repeat_customers": group.repeat_customers,
            "repeat_rate": _number(group.repeat_rate),
            "orders": group.orders,
            "revenue": amount_str(group.revenue, currency),
            "average_order_value": None
            if group.average_order_value is None
            else amount_str(group.average_order_value, currency),
        }
        for currency, group in groups.items()
    }


def figures_data(figures: LoyaltyFigures) -> dict:
    """The API's JSON of the figures: what the Figures page shows."""
    value = figures.point_value
    currency = value.currency if value else ""
    return {
        "from": figures.period.start.isoformat(),
        "to": figures.period.end.isoformat(),
        "members": figures.members,
        "new_members": figures.new_members,
        "points_available": figures.available,
        "points_pending": figures.pending,
        "points_owed": figures.debt,
        "point_value": None if value is None else {"points": value.points, "value": _money(value.value, currency)},
        "liability": _money(figures.liability, currency),
        "pending_liability": _money(figures.pending_liability, currency),
        "points_earned": figures.earned,
        "points_spent": figures.spent,
        "points_expired": figures.expired,
        "redemption_rate": _number(figures.redemption_rate),
        "months": [
            {"month": m.month.isoformat(), "earned": m.earned, "spent": m.spent, "expired": m.expired}
            for m in figures.months
        ],
        "members_orders": _groups(figures.members_orders),
        "others_orders": _groups(figures.others_orders),
        "referrals": figures.referrals,
        "referrals_converted": figures.referrals_converted,
        "referral_conversion": _number(figures.referral_conversion),
        "referral_revenue": {cur: amount_str(amount, cur) for cur, amount in figures.referral_revenue.items()},
    }


_RATIO = {"allow_null": True, "help_text": "4 decimals; null when its denominator is 0."}
_MONEY = serializers.DictField(
    child=serializers.CharField(), allow_null=True, help_text='{currency: amount}: {"EUR": "125.40"}; null: no value.'
)
_GROUP = serializers.DictField(
    child=inline_serializer(
        "LoyaltyOrderGroup",
        {
            "customers": serializers.IntegerField(),
            "repeat_customers": serializers.IntegerField(help_text="Customers with 2 orders or more in the period."),
            "repeat_rate": serializers.FloatField(**_RATIO),
            "orders": serializers.IntegerField(),
            "revenue": serializers.CharField(),
            "average_order_value": serializers.CharField(allow_null=True),
        },
    ),
    help_text="Per currency.",
)
FIGURES_SCHEMA = inline_serializer(
    "LoyaltyFigures",
    {
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "members": serializers.IntegerField(help_text="Customers with a loyalty account, now."),
        "new_members": serializers.IntegerField(help_text="Accounts opened in the period."),
        "points_available": serializers.IntegerField(help_text="Spendable points of all members, now."),
        "points_pending": serializers.IntegerField(help_text="Points waiting for their pending days, now."),
        "points_owed": serializers.IntegerField(help_text="Points taken back that members had already used, now."),
        "point_value": inline_serializer(
            "LoyaltyPointValue",
            {"points": serializers.IntegerField(), "value": _MONEY},
            allow_null=True,
            help_text="The best rate among the active amount-off and store-credit rewards; null: none.",
        ),
        "liability": _MONEY,
        "pending_liability": _MONEY,
        "points_earned": serializers.IntegerField(),
        "points_spent": serializers.IntegerField(help_text="Redeemed for rewards, less points given back."),
        "points_expired": serializers.IntegerField(),
        "redemption_rate": serializers.FloatField(**_RATIO),
        "months": inline_serializer(
            "LoyaltyFiguresMonth",
            {
                "month": serializers.DateField(help_text="The month's first day, in the shop's calendar."),
                "earned": serializers.IntegerField(),
                "spent": serializers.IntegerField(),
                "expired": serializers.IntegerField(),
            },
            many=True,
        ),
        "members_orders": _GROUP,
        "others_orders": _GROUP,
        "referrals": serializers.IntegerField(help_text="Referrals made in the period, blocked ones left out."),
        "referrals_converted": serializers.IntegerField(help_text="Of those, the ones whose friend ordered."),
        "referral_conversion": serializers.FloatField(**_RATIO),
        "referral_revenue": serializers.DictField(child=serializers.CharField(), help_text="Per currency."),
    },
)


class LoyaltyFiguresView(MerchantAPIView):
    extra_query_parameters = ("from", "to")

    @extend_schema(
        summary="The loyalty program's figures of a period",
        description=(
            "Definitions in docs/kpis.md, section Loyalty: members, points outstanding and their value (the "
            "liability), redemption rate, points earned, spent and expired per month, repeat purchase rate and "
            "average order value of members against other customers, referral conversions and revenue. "
            "Balances are as they stand now; the rest is of the period."
        ),
        parameters=period_parameters(),
        responses={
            200: FIGURES_SCHEMA,
            400: period_refused(),
        },
        tags=["loyalty"],
    )
    def get(self, request):
        try:
            period, _now = range_parse(request.query_params, self.merchant, default_days=DEFAULT_DAYS, with_as_of=False)
        except RangeError as exc:
            raise ValidationError({name: [message] for name, message in exc.errors.items()}) from exc
        return Response(figures_data(loyalty_figures(merchant=self.merchant, period=period)))
