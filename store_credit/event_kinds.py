"""The kinds of event store credit records (core.event_kinds): about a customer, not an order."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register
from core.l10n import format_stored_money


def _the_entry(event) -> dict:
    return event.payload  # the entry and its wallet as the API shows them, at the time of the event


def _amount(payload: dict) -> str:
    amount, currency = payload.get("amount", ""), payload.get("currency", "")
    balance = (payload.get("wallet") or {}).get("balance", "")
    if not amount:
        return ""
    return f"{format_stored_money(amount, currency)} → {format_stored_money(balance, currency)}"


STORE_CREDIT_EVENT_KINDS = [
    EventKind(
        "store_credit.issued",
        _("Store credit issued"),
        _("Store credit was added to a customer's wallet."),
        _the_entry,
        _amount,
        customer_anchored=True,
    ),
    EventKind(
        "store_credit.spent",
        _("Store credit spent"),
        _("A customer's store credit was spent, in the shop or with us."),
        _the_entry,
        _amount,
        customer_anchored=True,
    ),
    EventKind(
        "store_credit.expired",
        _("Store credit expired"),
        _("What was left of a customer's store credit expired."),
        _the_entry,
        _amount,
        customer_anchored=True,
    ),
    # The reminder's trigger: an email, not something shops' systems subscribe to.
    EventKind(
        "store_credit.expiring",
        _("Store credit expiring soon"),
        _("A customer's store credit expires within 30 days."),
        None,
        _amount,
        customer_anchored=True,
    ),
]


def register() -> None:
    for entry in STORE_CREDIT_EVENT_KINDS:
        event_kind_register(entry)
