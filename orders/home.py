"""The orders' part of the dashboard home: recent orders and revenue, customers, latest orders."""

from django.db.models import Count, Sum

from core.money import exact_amount

from .models import Customer, Order


def orders_home_figures(*, merchant, since) -> dict:
    recent = Order.objects.filter(merchant=merchant, placed_at__gte=since)
    revenue = list(recent.values("currency").annotate(total=Sum("total"), count=Count("id")).order_by("-count"))
    for row in revenue:
        row["total"] = exact_amount(row["total"], row["currency"])
    return {
        "orders_recent": sum(row["count"] for row in revenue),
        "revenue_by_currency": revenue,
        "orders_total": Order.objects.filter(merchant=merchant).count(),
        "customers_total": Customer.objects.filter(merchant=merchant).count(),
    }


def latest_orders(*, merchant, since) -> dict:
    orders = Order.objects.filter(merchant=merchant).select_related("customer").order_by("-placed_at")[:5]
    return {"latest_orders": list(orders)}
