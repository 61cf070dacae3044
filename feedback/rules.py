"""Send-time checks of survey emails, and the `low_satisfaction` rule the default journey lists.

Each reads the settings of the shop at send time, so switching a survey off stops the emails
already scheduled.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from flows.rules import first_stop_reason
from orders.models import FinancialStatus

from .models import Invitation, Kind, Response
from .nps import asked_since
from .services import survey_settings_get

LOW = Q(kind=Kind.CSAT, score__lte=2) | Q(kind=Kind.NPS, score__lte=6)


def _merchant(data):
    return data.order.merchant if data.order is not None else data.customer.merchant


def _settings(data):
    """The shop's survey settings, read once for the dispatcher's batch (one merchant's)."""
    return data.batch.get("survey_settings", lambda inputs: survey_settings_get(merchant=_merchant(inputs[0])))


def csat_off(data) -> bool:
    return not _settings(data).csat_enabled


def nps_off(data) -> bool:
    return not _settings(data).nps_enabled


def order_fully_refunded(data) -> bool:
    order = data.order
    return order.financial_status in (FinancialStatus.REFUNDED, FinancialStatus.VOIDED) or (
        order.total > 0 and order.refunded_amount >= order.total
    )


def return_open_paused(data) -> bool:
    """The shop chose no survey while a return is open; the returns app says whether one is."""
    return _settings(data).pause_during_return and first_stop_reason(["open_return"], data) is not None


def survey_answered(data) -> bool:
    """The survey this email asks was answered already (an order's CSAT, a customer's NPS for the key)."""
    if data.order is None:
        invitations = Invitation.objects.filter(customer=data.customer, kind=Kind.NPS, anchor_key=data.anchor_key)
    else:
        invitations = Invitation.objects.filter(order=data.order, kind=Kind.CSAT)
    return invitations.filter(response__isnull=False).exists()


def nps_asked_recently(data) -> bool:
    """Another period's NPS reached the customer within the throttle: one NPS per customer per period."""
    customer = data.customer
    if customer is None:
        return False
    since = timezone.now() - timedelta(days=_settings(data).nps_throttle_days)
    return asked_since(customer, since, except_key=data.anchor_key)


def _recent_low_scores(inputs) -> tuple[set[int], set[int]]:
    """The customers and the orders of a batch with a low score in the shop's quiet period: one query."""
    since = timezone.now() - timedelta(days=_settings(inputs[0]).quiet_days_after_low_score)
    customers = {data.customer.pk for data in inputs if data.customer is not None}
    orders = {data.order.pk for data in inputs if data.order is not None}
    if not customers and not orders:
        return set(), set()
    low = Response.objects.filter(LOW, updated_at__gte=since).filter(
        Q(customer_id__in=customers) | Q(order_id__in=orders)
    )
    found = list(low.values_list("customer_id", "order_id"))
    return {c for c, _o in found if c in customers}, {o for _c, o in found if o in orders}


def low_satisfaction(data) -> bool:
    """A low score from this customer (or on this order) in the shop's quiet period after one."""
    customers, orders = data.batch.get("low_scores", _recent_low_scores)
    return (data.customer is not None and data.customer.pk in customers) or (
        data.order is not None and data.order.pk in orders
    )
