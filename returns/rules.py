"""Stop rules the default journey names: no cross-sell or "how do you like it" email during or after a return."""

from core.scoping import merchant_scope

from .models import OPEN_STATUSES, ReturnPolicy, ReturnRequest, ReturnStatus

CAME_BACK = {ReturnStatus.RECEIVED, ReturnStatus.RESOLVED, ReturnStatus.CLOSED}


def _statuses(data) -> set[str]:
    """The statuses of the order's returns, read once per message for both rules: from the returns the
    dispatcher loaded with its batch (apps.py registers them) or prefetched with the order, else with a query."""
    if "return_statuses" not in data.cache:
        order = data.order
        if "returns" in data.batch.order_rows or "returns" in getattr(order, "_prefetched_objects_cache", {}):
            statuses = {request.status for request in data.related("returns")}
        else:
            statuses = set(ReturnRequest.objects.filter(order_id=order.pk).values_list("status", flat=True))
        data.cache["return_statuses"] = statuses
    return data.cache["return_statuses"]


def returns_offered(merchant) -> bool:
    """Customers see returns once the shop has switched its return policy on.

    Kept on the merchant instance: a customer's page asks twice (its own check, the portal's
    navigation) while serving one request.
    """
    if not hasattr(merchant, "_returns_offered"):
        with merchant_scope(merchant):
            merchant._returns_offered = ReturnPolicy.objects.filter(merchant=merchant, enabled=True).exists()
    return merchant._returns_offered


def has_open_return(data) -> bool:
    return bool(_statuses(data) & set(OPEN_STATUSES))


def order_returned(data) -> bool:
    """Items of the order came back to the shop."""
    return bool(_statuses(data) & CAME_BACK)
