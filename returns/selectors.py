"""Reads of returns for the dashboard, always for one merchant, with related rows loaded up front."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from merchants.models import Merchant

from .models import ReturnItem, ReturnNote, ReturnRequest, ReturnStatus

S = ReturnStatus
HISTORY_LENGTH = 20  # a customer's other returns shown on a return's page, newest first


def needs_action_q() -> Q:
    """Returns waiting on staff: to approve or reject, approved but their label failed, or received and not refunded."""
    return Q(status=S.REQUESTED) | (Q(status=S.APPROVED) & ~Q(label_error="")) | Q(status=S.RECEIVED)


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # a ReturnStatus, or "" for every status
    reason: str = ""  # returns with at least one item given for this reason
    method: str = ""
    older_than_days: int | None = None
    needs_action: bool = False


def return_queue(*, merchant: Merchant, filters: QueueFilters, now: datetime | None = None) -> QuerySet[ReturnRequest]:
    """The queue: oldest first (the customer waiting longest comes first), with what each row shows."""
    returns = _filtered(merchant, filters, now)
    if filters.status:
        returns = returns.filter(status=filters.status)
    return returns.select_related("order", "customer").annotate(items_count=Count("items")).order_by("created_at", "id")


def return_status_counts(*, merchant: Merchant, filters: QueueFilters, now: datetime | None = None) -> dict[str, int]:
    """How many returns each status tab holds under the other filters, plus "all" and "needs_action", in one query."""
    counts = {status: Count("id", filter=Q(status=status)) for status in S.values}
    return _filtered(merchant, filters, now).aggregate(
        all=Count("id"), needs_action=Count("id", filter=needs_action_q()), **counts
    )


def _filtered(merchant: Merchant, filters: QueueFilters, now: datetime | None) -> QuerySet[ReturnRequest]:
    returns = ReturnRequest.objects.filter(merchant=merchant)
    if filters.reason:
        given = ReturnItem.objects.filter(merchant=merchant, request=OuterRef("pk"), reason=filters.reason)
        returns = returns.filter(Exists(given))
    if filters.method:
        returns = returns.filter(method=filters.method)
    if filters.older_than_days:
        returns = returns.filter(created_at__lte=(now or timezone.now()) - timedelta(days=filters.older_than_days))
    if filters.needs_action:
        returns = returns.filter(needs_action_q())
    return returns


def return_get(*, merchant: Merchant, pk) -> ReturnRequest:
    """One return with its order, customer, items (and their lines) and audit trail; 404 when missing or
    another merchant's."""
    returns = (
        ReturnRequest.objects.filter(merchant=merchant)
        .select_related(
            "order",
            "customer",
            "shipment",
            "refund_action",
            "refund",
            "credit_entry",
            "exchange_action",
            "exchange_order",
        )
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ReturnItem.objects.filter(merchant=merchant)
                .select_related("line_item", "exchange_variant")
                .prefetch_related("photos"),
            ),
            Prefetch("notes", queryset=ReturnNote.objects.filter(merchant=merchant).select_related("author")),
        )
    )
    try:
        return returns.get(pk=pk)
    except (ReturnRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc


def customer_other_returns(*, merchant: Merchant, request: ReturnRequest) -> list[ReturnRequest]:
    """The customer's other returns, newest first: a pattern of returns is worth seeing before approving."""
    if request.customer_id is None:
        return []
    others = ReturnRequest.objects.filter(merchant=merchant, customer_id=request.customer_id).exclude(pk=request.pk)
    return list(others.select_related("order").order_by("-created_at", "-id")[:HISTORY_LENGTH])


def order_returns(*, merchant: Merchant, order) -> list[ReturnRequest]:
    return list(ReturnRequest.objects.filter(merchant=merchant, order=order).order_by("created_at", "id"))


def return_items_for_export(*, merchant: Merchant, start: date, end: date) -> QuerySet[ReturnItem]:
    """Items of the returns created from `start` to `end` included, days read in the shop's time zone."""
    zone = merchant.tzinfo
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return (
        ReturnItem.objects.filter(merchant=merchant, request__created_at__gte=since, request__created_at__lt=until)
        .select_related("request__order", "request__customer", "line_item")
        .order_by("request__created_at", "request_id", "id")
    )
