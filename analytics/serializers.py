"""The JSON of the KPIs: ratios as numbers with 4 decimals, money as {currency: "amount"} strings."""

from datetime import datetime
from decimal import Decimal

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from core.money import amount_str

from .clv import NO_FIT
from .email import StepEmailKpis
from .kpis import Cohort, Period
from .models import PredictedClv
from .promise_serializers import delivery_promises_schema

MONEY_KPIS = ("aov", "historical_clv")
EMAIL_KPIS = "email"  # per flow and step: a list


def _money(amounts: dict[str, Decimal] | None) -> dict[str, str] | None:
    return None if amounts is None else {cur: amount_str(amount, cur) for cur, amount in amounts.items()}


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def kpis_data(kpis: dict) -> dict:
    return {name: _kpi_data(name, value) for name, value in kpis.items()}


def _kpi_data(name: str, value):
    if name in MONEY_KPIS:
        return _money(value)
    if name == EMAIL_KPIS:
        return [email_step_data(step) for step in value]
    return _bare(value)


def email_step_data(step: StepEmailKpis) -> dict:
    return {
        "flow_id": step.flow_id,
        "flow": step.flow_name,
        "step_id": step.step_id,
        "step": step.step_name,
        "sent": step.sent,
        "delivered": step.delivered,
        "open_rate": _number(step.open_rate),
        "click_rate": _number(step.click_rate),
        "unsubscribe_rate": _number(step.unsubscribe_rate),
        "orders": step.orders,
        "revenue": _money(step.revenue or None),
    }


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


def predicted_clv_data(stored: PredictedClv | None) -> dict:
    """The latest fit's figures: per currency that has one; `predicted_clv_reason` says why any is missing."""
    figures = stored.figures if stored else {}
    values = {cur: figure["value"] for cur, figure in figures.items() if figure["value"] is not None}
    tested = {cur: figure["backtest"] for cur, figure in figures.items() if figure.get("backtest", {}).get("error")}
    return {
        "predicted_clv_12m": values or None,
        "predicted_clv_backtest_error": {cur: float(test["error"]) for cur, test in tested.items()} or None,
        "predicted_clv_backtest_mae": {cur: test["mae"] for cur, test in tested.items()} or None,
        "predicted_clv_fitted_at": stored.fitted_at.isoformat() if stored else None,
        "predicted_clv_reason": _clv_reason(stored, figures),
    }


def _clv_reason(stored: PredictedClv | None, figures: dict) -> str | None:
    if stored is None:
        return "not_fitted_yet"
    reasons = {figure["reason"] for figure in figures.values()} - {""}
    if not figures or reasons - {NO_FIT}:
        return "not_enough_history"
    return "no_fit" if reasons else None


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


_EMAIL_RATIO = "4 decimals, over `delivered`; null when nothing was delivered."
_EMAIL_STEPS = inline_serializer(
    "EmailStepKpis",
    {
        "flow_id": serializers.IntegerField(),
        "flow": serializers.CharField(help_text="The flow's name."),
        "step_id": serializers.IntegerField(),
        "step": serializers.CharField(help_text="The step's name."),
        "sent": serializers.IntegerField(help_text="Emails of the step sent in the period."),
        "delivered": serializers.IntegerField(help_text="Of them, those not bounced (bounces reported before as_of)."),
        "open_rate": serializers.FloatField(allow_null=True, help_text=f"Delivered emails opened; {_EMAIL_RATIO}"),
        "click_rate": serializers.FloatField(allow_null=True, help_text=f"Delivered emails clicked; {_EMAIL_RATIO}"),
        "unsubscribe_rate": serializers.FloatField(
            allow_null=True, help_text=f"Delivered emails whose reader unsubscribed; {_EMAIL_RATIO}"
        ),
        "orders": serializers.IntegerField(
            help_text=(
                "Counted orders placed in the period whose customer's last click on an email, at most 5 days "
                "before, was on this step's."
            )
        ),
        "revenue": serializers.DictField(
            child=serializers.CharField(),
            allow_null=True,
            help_text="Their net revenue per currency; null without such an order.",
        ),
    },
    many=True,
    help_text=("Per flow and step: the steps that sent an email or earned an order in the period."),
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
        EMAIL_KPIS: _EMAIL_STEPS,
        **_SERVICE_FIELDS,
    }


_SHIPPED = "orders whose first parcel to the customer shipped in the period"  # support.selectors
_SERVICE_FIELDS = {
    "wismo_contacts": serializers.IntegerField(
        help_text=(
            "“Where is my order?” contacts opened in the period: tracking-page contacts and helpdesk tickets "
            "counted as WISMO."
        )
    ),
    "orders_shipped": serializers.IntegerField(help_text=f"The {_SHIPPED}."),
    "wismo_rate": serializers.FloatField(
        allow_null=True,
        help_text=f"100 × wismo_contacts / orders_shipped, 2 decimals; null when no {_SHIPPED}.",
    ),
    "wismo_baseline_rate": serializers.FloatField(
        allow_null=True,
        help_text="The same rate over the weeks imported as the baseline, whatever the period; null without one.",
    ),
    "wismo_reduction": serializers.FloatField(
        allow_null=True,
        help_text="1 − wismo_rate / wismo_baseline_rate, 4 decimals (negative: more contacts); null when either is.",
    ),
    "tracking_page_views_per_shipped_order": serializers.FloatField(
        allow_null=True, help_text="Tracking page views in the period / orders_shipped, 4 decimals; null when 0."
    ),
    "nps": serializers.IntegerField(
        allow_null=True,
        min_value=-100,
        max_value=100,
        help_text=(
            "% of NPS answers scoring 9–10 minus % scoring 0–6, over the NPS answers first submitted in the "
            "period, each with its latest score; whole number, halves away from zero. Null without answers."
        ),
    ),
    "nps_answers": serializers.IntegerField(help_text="NPS answers first submitted in the period."),
    "csat": serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="Whole percent of the period's CSAT answers scoring 4 or 5 (halves up); null without answers.",
    ),
    "csat_mean": serializers.FloatField(
        allow_null=True, help_text="Mean score (1–5) of those CSAT answers, 2 decimals; null without answers."
    ),
    "csat_answers": serializers.IntegerField(help_text="CSAT answers first submitted in the period."),
}


_CLV_FIELDS = {
    "predicted_clv_12m": serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        help_text=(
            "Expected net revenue per customer over the next 12 months (BG/NBD + Gamma-Gamma), per currency "
            "with at least 500 customers and 180 days of history; from the latest daily fit, whatever the period."
        ),
    ),
    "predicted_clv_backtest_error": serializers.DictField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text=(
            "Per currency: (predicted − actual) / actual net revenue of the 180 days before the fit, "
            "predicted by the same model fitted on the orders before them; 4 decimals."
        ),
    ),
    "predicted_clv_backtest_mae": serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Per currency: the back-test's mean absolute error per customer, in money.",
    ),
    "predicted_clv_fitted_at": serializers.DateTimeField(allow_null=True),
    "predicted_clv_reason": serializers.ChoiceField(
        choices=["not_fitted_yet", "not_enough_history", "no_fit"],
        allow_null=True,
        help_text="Why a currency has no predicted CLV; null when every currency has one.",
    ),
}

KPIS_SCHEMA = inline_serializer(
    "Kpis",
    {
        **_kpi_fields(),
        **_CLV_FIELDS,
        "delivery_promises": delivery_promises_schema("DeliveryPromises"),
        "as_of": serializers.DateTimeField(),
        "previous": inline_serializer(
            "KpisPrevious", {**_kpi_fields(), "delivery_promises": delivery_promises_schema("PreviousDeliveryPromises")}
        ),
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
