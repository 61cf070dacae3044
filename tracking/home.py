"""The shipments' part of the dashboard home: parcels moving, delayed and delivered."""

from django.db.models import Count, Q

from .models import Shipment

# Shipments on their way: picked up and not yet in the customer's hands or back home.
MOVING_STATUSES = ("in_transit", "out_for_delivery", "available_for_pickup", "attempt_failed")


def shipments_home_figures(*, merchant, since) -> dict:
    return Shipment.objects.filter(merchant=merchant).aggregate(
        moving=Count("id", filter=Q(status__in=MOVING_STATUSES)),
        delayed=Count("id", filter=Q(is_delayed=True) & ~Q(status="delivered")),
        delivered_recently=Count("id", filter=Q(status="delivered", delivered_at__gte=since)),
        total=Count("id"),
    )


def shipments_home_empty(*, merchant, since) -> dict:
    """Whether to show the "no shipments yet" panel."""
    return {"total": Shipment.objects.filter(merchant=merchant).exists()}
