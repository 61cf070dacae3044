"""The JSON of the delivery promise figures (`delivery_promises` in GET /api/v1/analytics/kpis), and its schema."""

from decimal import Decimal

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .delivery_promises import CarrierPromises, DeliveryPromises


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _carrier_data(row: CarrierPromises) -> dict:
    return {
        "delivered": row.delivered,
        "with_promise": row.with_promise,
        "without_promise": row.without_promise,
        "on_time": row.on_time,
        "on_time_rate": _number(row.on_time_rate),
        "transit_median_business_days": _number(row.transit_median),
        "transit_p90_business_days": _number(row.transit_p90),
    }


def delivery_promises_data(figures: DeliveryPromises) -> dict:
    return {
        "carriers": [
            {"carrier": row.carrier, "carrier_name": row.name, **_carrier_data(row)} for row in figures.carriers
        ],
        "all_carriers": _carrier_data(figures.total),
    }


def _carrier_fields() -> dict:
    days = "Business days (Monday to Friday, the shop's time zone) from the day it shipped to the day it arrived"
    return {
        "delivered": serializers.IntegerField(help_text="Parcels to the customer delivered in the period."),
        "with_promise": serializers.IntegerField(help_text="Of those, with the window shown when they shipped."),
        "without_promise": serializers.IntegerField(help_text="Of those, without one: not in the on-time rate."),
        "on_time": serializers.IntegerField(
            help_text="Delivered by the last day of the window shown (early: on time)."
        ),
        "on_time_rate": serializers.FloatField(allow_null=True, help_text="on_time / with_promise; 4 decimals."),
        "transit_median_business_days": serializers.FloatField(allow_null=True, help_text=f"{days}: median."),
        "transit_p90_business_days": serializers.FloatField(allow_null=True, help_text=f"{days}: 90th percentile."),
    }


def delivery_promises_schema(name: str):
    return inline_serializer(
        name,
        {
            "carriers": inline_serializer(
                f"{name}Carrier",
                {
                    "carrier": serializers.CharField(help_text="The carrier's code, e.g. colissimo."),
                    "carrier_name": serializers.CharField(help_text="The name people know it by."),
                    **_carrier_fields(),
                },
                many=True,
            ),
            "all_carriers": inline_serializer(f"{name}Total", _carrier_fields()),
        },
    )
