"""`{{ loyalty }}` in email templates: the points an email is about, as plain strings in the reader's language.

    {{ loyalty.points }} ("120 points": what the entry changed, without its sign)
    {{ loyalty.change }} ("+120 points", "−40 points")
    {{ loyalty.reason }} ("for your order #1043", "because order #1043 was cancelled", or "")
    {{ loyalty.order_number }} ("#1043" or "")
    {{ loyalty.balance }} ("150 points" to use), {{ loyalty.pending }} and {{ loyalty.owed }} ("" when none)
    {{ loyalty.available_on }} (the day pending points become available, or "")
    {{ loyalty.expires_on }} (of a reminder that points expire, or "")
    {{ loyalty.url }} (the customer's loyalty page)

A loyalty email reads what its event named (the message's key): an entry ("loyalty:42", the
balances right after it) or an expiry reminder ("loyalty:expiring:7", the points it warned about
and the account's balances now). An order's email reads the customer's balances.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import format_day, format_number
from core.locale import customer_time_zone
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from portal.links import customer_portal_url

from ..models import Account, EntryKind, ExpiryReminder, PointsEntry, Source

EMPTY = {
    "points": "",
    "change": "",
    "reason": "",
    "order_number": "",
    "balance": "",
    "pending": "",
    "owed": "",
    "available_on": "",
    "expires_on": "",
    "url": "",
}
ENTRY_PREFIX = "loyalty:"
REMINDER_PREFIX = "loyalty:expiring:"


def loyalty_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "loyalty", value=order_value, sample=sample_value, customer_value=customer_value, empty=EMPTY
    )


def points_text(count: int, language: str) -> str:
    """ "1 point", "1 200 points" in the reader's language (French: 0 and 1 take the singular)."""
    with translation.override(language):
        return ngettext("%(points)s point", "%(points)s points", count) % {"points": format_number(count, language)}


def _signed(count: int, language: str) -> str:
    return ("+" if count >= 0 else "−") + points_text(abs(count), language)


def _anchor_id(anchor_key: str, prefix: str) -> int | None:
    rest = anchor_key[len(prefix) :] if anchor_key.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else None


def customer_value(customer, anchor_key: str, language: str) -> dict:
    with merchant_scope(customer.merchant):
        if reminder_id := _anchor_id(anchor_key, REMINDER_PREFIX):
            reminder = (
                ExpiryReminder.objects.select_related("account")
                .filter(pk=reminder_id, account__customer=customer)
                .first()
            )
            if reminder is not None:
                return _reminder_value(reminder, customer, language)
        if entry_id := _anchor_id(anchor_key, ENTRY_PREFIX):
            entry = (
                PointsEntry.objects.select_related("earning").filter(pk=entry_id, account__customer=customer).first()
            )
            if entry is not None:
                return _entry_value(entry, customer, language)
        account = Account.objects.filter(merchant=customer.merchant, customer=customer).first()
    return _balances(customer, language, *_now(account))


def _balances(customer, language: str, available: int, pending: int, owed: int) -> dict:
    return {
        **EMPTY,
        "balance": points_text(available, language),
        "pending": points_text(pending, language) if pending else "",
        "owed": points_text(owed, language) if owed else "",
        "url": f"{customer_portal_url(customer, 'points')}?lang={language}",
    }


def _now(account: Account | None) -> tuple[int, int, int]:
    """The account's balances now: available, pending, owed."""
    return (account.available, account.pending, account.debt) if account else (0, 0, 0)


def customer_change(entry: PointsEntry) -> int:
    """What the entry changed for the customer: the points it earned, made available or took back
    (points paying off a debt still count: the customer earned them)."""
    if entry.kind == EntryKind.AVAILABLE:
        return -entry.pending
    return entry.points - entry.debt


def _entry_value(entry: PointsEntry, customer, language: str) -> dict:
    value = _balances(customer, language, entry.available_after, entry.pending_after, entry.debt_after)
    change = customer_change(entry)
    earning = entry.earning or entry
    value.update(
        points=points_text(abs(change), language),
        change=_signed(change, language),
        reason=_reason(entry, earning.source, language),
        order_number=entry.order_number,
    )
    if entry.kind == EntryKind.EARNED and entry.pending > 0 and entry.available_on:
        tz = customer_time_zone(merchant=customer.merchant, customer=customer)
        value["available_on"] = format_day(entry.available_on, language, tz)
    return value


def _reason(entry: PointsEntry, source: str, language: str) -> str:
    """Why the points moved, to follow "120 points" in a sentence."""
    number = {"number": entry.order_number}
    with translation.override(language):
        if entry.kind == EntryKind.REVERSED and source == Source.BONUS and entry.order_number:
            return _("given as the bonus for order %(number)s, which was cancelled or returned") % number
        if entry.kind == EntryKind.REVERSED and entry.order_number:
            return _("because order %(number)s was refunded or returned") % number
        if entry.kind == EntryKind.CANCELLED and entry.order_number:
            return _("because order %(number)s was cancelled") % number
        if entry.kind not in (EntryKind.EARNED, EntryKind.AVAILABLE):
            return ""
        if source == Source.REVIEW:
            return _("for your review")
        if source == Source.REFERRAL:
            return _("for inviting a friend")
        return _("for your order %(number)s") % number if entry.order_number else ""


def _reminder_value(reminder: ExpiryReminder, customer, language: str) -> dict:
    value = _balances(customer, language, *_now(reminder.account))
    tz = customer_time_zone(merchant=customer.merchant, customer=customer)
    value.update(
        points=points_text(reminder.points, language),
        change=_signed(-reminder.points, language),
        expires_on=format_day(reminder.expires_at, language, tz),
    )
    return value


def order_value(order, language: str) -> dict:
    if not order.customer_id:
        return dict(EMPTY)
    with merchant_scope(order.merchant):
        account = Account.objects.filter(merchant=order.merchant, customer_id=order.customer_id).first()
    return _balances(order.customer, language, *_now(account))


def sample_value(merchant, language: str) -> dict:
    fr = language == "fr"
    return {
        "points": points_text(120, language),
        "change": _signed(120, language),
        "reason": "pour votre commande #1043" if fr else "for your order #1043",
        "order_number": "#1043",
        "balance": points_text(1250, language),
        "pending": points_text(120, language),
        "owed": "",
        "available_on": "4 janvier 2027" if fr else "4 January 2027",
        "expires_on": "4 janvier 2027" if fr else "4 January 2027",
        "url": f"{settings.SITE_URL}/points/sample/?lang={language}",
    }
