"""The JSON of the KPIs: ratios as numbers with 4 decimals, money as {currency: "amount"} strings."""

from datetime import datetime
from decimal import Decimal

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from core.money import amount_str

from .kpis import Cohort, Period

MONEY_KPIS = ("aov", "historical_clv")


def _money(amounts: dict[str, Decimal] | None) -> dict[str, str] | None:
    return None if amounts is None else {cur: amount_str(amount, cur) for cur, amount in amounts.items()}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def kpis_data(kpis: dict) -> dict:
    return {name: _money(value) if name in MONEY_KPIS else _bare(value) for name, value in kpis.items()}


def _bare(value):
    return _number(value) if isinstance(value, Decimal) or value is None else value


def period_data(period: Period) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def kpis_response(period: Period, as_of: datetime, current: dict, previous: dict) -> dict:
    return {
        **period_data(period),
        "as_of": as_of.isoformat(),
        **kpis_data(current),
        "previous": {**period_data(period.previous()), **kpis_data(previous)},
    }


def cohort_data(cohort: Cohort) -> dict:
    return {
        "month": cohort.month.isoformat()[:7],
        "customers": cohort.customers,
        "months": [
            {
                "month": entry["month"],
                "ordered_again": _number(entry["ordered_again"]),
                "revenue_per_customer": _money(entry["revenue_per_customer"]),
            }
            for entry in cohort.months
        ],
    }


# For the OpenAPI schema only: the views build plain dicts.
_MONEY = serializers.DictField(
    child=serializers.CharField(), allow_null=True, help_text='Per currency, with its decimals: {"EUR": "125.47"}.'
)


def _kpi_fields() -> dict:
    ratio = {"allow_null": True, "help_text": "4 decimals; null when its denominator is 0."}
    return {
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "orders": serializers.IntegerField(help_text="Counted orders placed in [from, to)."),
        "customers": serializers.IntegerField(help_text="Distinct customers with a counted order in the period."),
        "repeat_rate": serializers.FloatField(**ratio),
        "purchase_frequency": serializers.FloatField(**ratio),
        "aov": _MONEY,
        "repurchase_30": serializers.FloatField(**ratio),
        "repurchase_90": serializers.FloatField(**ratio),
        "historical_clv": _MONEY,
    }


KPIS_SCHEMA = inline_serializer(
    "Kpis",
    {
        **_kpi_fields(),
        "as_of": serializers.DateTimeField(),
        "previous": inline_serializer("KpisPrevious", _kpi_fields()),
    },
)
COHORTS_SCHEMA = inline_serializer(
    "Cohorts",
    {
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "as_of": serializers.DateTimeField(),
        "cohorts": inline_serializer(
            "Cohort",
            {
                "month": serializers.CharField(help_text="YYYY-MM of the customers' first counted order."),
                "customers": serializers.IntegerField(),
                "months": inline_serializer(
                    "CohortMonth",
                    {
                        "month": serializers.IntegerField(help_text="0: the month of the first order."),
                        "ordered_again": serializers.FloatField(allow_null=True),
                        "revenue_per_customer": _MONEY,
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)
