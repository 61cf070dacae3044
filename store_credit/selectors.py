"""Reads of store credit, always scoped to a merchant."""

from django.db.models import QuerySet

from core.scoping import merchant_scope
from merchants.models import Role

from .models import CreditSettings, Entry, Wallet

STAFF_ENTRIES = 20
PORTAL_ENTRIES = 50


def customer_wallets(*, merchant, customer) -> list[Wallet]:
    """The customer's wallets, largest balance first (one query)."""
    return list(Wallet.objects.filter(merchant=merchant, customer=customer).order_by("-balance", "currency"))


def customer_entries(*, merchant, customer) -> QuerySet:
    """The customer's entries in every currency, newest first, with their wallet."""
    return (
        Entry.objects.filter(merchant=merchant, wallet__customer=customer)
        .select_related("wallet", "created_by")
        .order_by("-created_at", "-id")
    )


def credit_settings(merchant) -> CreditSettings:
    """The shop's settings, or the defaults (unsaved) when it never changed them."""
    with merchant_scope(merchant):
        found = CreditSettings.objects.filter(merchant=merchant).first()
    return found or CreditSettings(merchant=merchant)


def credit_offered(merchant) -> bool:
    """Customers see the store-credit page once the shop has issued credit to anyone.

    Kept on the merchant instance: a page asks twice (its own check, the portal's navigation).
    """
    if not hasattr(merchant, "_credit_offered"):
        with merchant_scope(merchant):
            merchant._credit_offered = Wallet.objects.filter(merchant=merchant).exists()
    return merchant._credit_offered


def staff_block_context(request, customer) -> dict:
    """What the staff customer page shows of the customer's credit (two queries)."""
    from .forms import AdjustmentForm

    merchant = request.merchant
    wallets = customer_wallets(merchant=merchant, customer=customer)
    entries = list(customer_entries(merchant=merchant, customer=customer)[:STAFF_ENTRIES]) if wallets else []
    can_adjust = request.membership is not None and request.membership.has_role(Role.ADMIN)
    currency = wallets[0].currency if wallets else merchant.currency
    return {
        "customer": customer,
        "wallets": wallets,
        "entries": entries,
        "more_entries": len(entries) == STAFF_ENTRIES,
        "form": AdjustmentForm(initial={"currency": currency}) if can_adjust else None,
    }
