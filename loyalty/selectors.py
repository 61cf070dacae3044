"""Reads of loyalty points, always scoped to a merchant."""

from django.db.models import Q, QuerySet

from core.scoping import merchant_scope
from merchants.models import Role

from .models import Account, PointsEntry
from .services import loyalty_settings

STAFF_ENTRIES = 20
PORTAL_ENTRIES = 50
MEMBERS_PAGE = 50
STAFF_REDEMPTIONS = 20


def customer_account(*, merchant, customer) -> Account | None:
    return Account.objects.filter(merchant=merchant, customer=customer).first()


def customer_entries(*, merchant, customer) -> QuerySet:
    """The customer's entries, newest first."""
    return (
        PointsEntry.objects.filter(merchant=merchant, account__customer=customer)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def members(*, merchant, search: str = "") -> QuerySet:
    """Accounts with their customer, largest available balance first; `search` in email or name."""
    accounts = Account.objects.filter(merchant=merchant).select_related("customer")
    if search:
        accounts = accounts.filter(
            Q(customer__email__icontains=search)
            | Q(customer__first_name__icontains=search)
            | Q(customer__last_name__icontains=search)
        )
    return accounts.order_by("-available", "-pending", "id")


def program(merchant):
    """The shop's settings, read once per request (kept on the instance: asked several times a page)."""
    if not hasattr(merchant, "_loyalty_settings"):
        with merchant_scope(merchant):
            merchant._loyalty_settings = loyalty_settings(merchant)
    return merchant._loyalty_settings


def program_on(merchant) -> bool:
    """Customers see the loyalty page while the program is on."""
    return program(merchant).enabled


def staff_block_context(request, customer) -> dict:
    """What the staff customer page shows of the customer's points (three queries)."""
    from .forms import AdjustmentForm

    merchant = request.merchant
    account = customer_account(merchant=merchant, customer=customer)
    entries = list(customer_entries(merchant=merchant, customer=customer)[:STAFF_ENTRIES]) if account else []
    can_adjust = request.membership is not None and request.membership.has_role(Role.AGENT)
    return {
        "customer": customer,
        "account": account,
        "entries": entries,
        "more_entries": len(entries) == STAFF_ENTRIES,
        "form": AdjustmentForm() if can_adjust else None,
        "redemptions": customer_redemptions(merchant=merchant, customer=customer) if account else [],
    }


def customer_redemptions(*, merchant, customer) -> list:
    """The customer's latest redemptions with their reward, newest first (one query)."""
    from .models_rewards import Redemption

    found = Redemption.objects.filter(merchant=merchant, customer=customer).select_related("reward")
    return list(found[:STAFF_REDEMPTIONS])
