"""Every write to store credit (DESIGN.md, mechanism 10).

Each function records one entry in its own transaction (or the caller's), holding the wallet's row
lock (`select_for_update`) while it checks the balance and writes the entry and the new balance:
two concurrent spends are serialised, and the second sees what the first left. An entry's key is
unique per merchant: the same key returns the entry it made first and changes nothing; the same key
for another amount, customer, currency or kind raises CreditKeyConflictError.

Our own spends (the portal, returns, loyalty) never take a balance below zero. A spend the shop
reports happened already: it is recorded as it comes, and a balance it takes below zero marks the
wallet overdrawn for staff (`Wallet.overdrawn_at`), cleared when the balance is back to zero or more.

Issued credit, staff adjustments, reversals and our own spends are mirrored in the shop through a
shop action (mirror.py); spends the shop reports and expiries are the shop's own doing already.
"""

import calendar
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import amount_str, is_currency_code, minor_units
from core.scoping import merchant_scope, unscoped
from orders.events import event_record

from . import mirror
from .errors import (
    CreditKeyConflictError,
    CreditValidationError,
    CurrencyMismatchError,
    InsufficientCreditError,
)
from .models import CreditSettings, Entry, EntryKind, Source, Wallet
from .payloads import entry_data

__all__ = [
    "credit_issue",
    "credit_spend",
    "credit_spend_reported",
    "credit_reverse",
    "credit_adjust",
    "credits_expire_due",
    "credits_remind_expiring",
    "credit_settings_update",
]

KEY_LENGTH = 200
NOTE_LENGTH = 500
SOURCE_REF_LENGTH = 120
MAX_AMOUNT = Decimal(10) ** 11  # far above any credit, well inside the columns
# a–z and 0–9 without the characters read as one another when typed from an email: 0/o, 1/l/i.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12
REMINDER_BEFORE = timedelta(days=30)
REVERSIBLE = {EntryKind.ISSUED, EntryKind.SPENT}


# --- Input -------------------------------------------------------------------------------------------


def _clean_currency(currency) -> str:
    if not is_currency_code(currency):
        raise CreditValidationError(
            {
                "currency": _("Unknown currency “%(currency)s”: give an ISO 4217 code such as EUR.")
                % {"currency": currency}
            }
        )
    return currency.upper()


def _clean_amount(amount, currency: str, *, signed: bool = False) -> Decimal:
    try:
        value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError):
        raise CreditValidationError({"amount": _("Give the amount as a number, such as 12.50.")}) from None
    if not value.is_finite():
        raise CreditValidationError({"amount": _("Give the amount as a number, such as 12.50.")})
    places = minor_units(currency)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise CreditValidationError(
            {
                "amount": _("%(currency)s amounts have at most %(places)s decimals.")
                % {"currency": currency, "places": places}
            }
        )
    if value == 0 or (value < 0 and not signed):
        message = _("The amount must not be zero.") if signed else _("The amount must be more than zero.")
        raise CreditValidationError({"amount": message})
    if abs(value) >= MAX_AMOUNT:
        raise CreditValidationError({"amount": _("The amount is too large.")})
    return value.quantize(Decimal(1).scaleb(-places))


def _clean_text(value, *, field: str, length: int, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        messages = {"key": _("Give an idempotency key."), "reason": _("Say why: the reason is required.")}
        raise CreditValidationError({field: messages.get(field, _("This field is required."))})
    if len(text) > length:
        raise CreditValidationError({field: _("At most %(max)s characters.") % {"max": length}})
    return text


def _clean_source(source) -> str:
    if source not in Source.values:
        raise CreditValidationError(
            {
                "source": _("Unknown source “%(source)s”. Use one of: %(known)s.")
                % {"source": source, "known": ", ".join(Source.values)}
            }
        )
    return source


def _check_customer(merchant, customer) -> None:
    if customer is None or customer.merchant_id != merchant.pk:
        raise CreditValidationError({"customer": _("This customer belongs to another shop.")})


@dataclass(frozen=True)
class _Asked:
    """One entry to record, cleaned."""

    kind: str
    amount: Decimal
    source: str
    key: str
    source_ref: str = ""
    note: str = ""
    expires_at: datetime | None = None
    created_by: object = None
    reverses: Entry | None = None
    reverses_part_of: Entry | None = None
    expires_credit: Entry | None = None


# --- The one writer ----------------------------------------------------------------------------------


def _same_entry(existing: Entry, *, wallet_currency: str, customer_id: int, asked: _Asked) -> Entry:
    wallet = existing.wallet
    same = (
        existing.kind == asked.kind
        and existing.amount == asked.amount
        and wallet.currency == wallet_currency
        and wallet.customer_id == customer_id
    )
    if not same:
        raise CreditKeyConflictError(
            _("The key “%(key)s” was already used for another entry (%(kind)s %(amount)s %(currency)s).")
            % {"key": existing.key, "kind": existing.kind, "amount": existing.amount, "currency": wallet.currency}
        )
    return existing


def _by_key(merchant, key: str) -> Entry | None:
    return Entry.objects.select_related("wallet").filter(merchant=merchant, key=key).first()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _wallet_locked(merchant, customer, currency: str, *, create: bool) -> Wallet | None:
    """The customer's wallet in `currency`, its row locked until the transaction ends; made if asked."""
    wallets = Wallet.objects.select_for_update().filter(merchant=merchant, customer=customer, currency=currency)
    wallet = wallets.first()
    while wallet is None and create:
        try:
            with transaction.atomic():  # a savepoint: a lost race for the wallet or its code is retried
                Wallet.objects.create(merchant=merchant, customer=customer, currency=currency, code=_new_code())
        except IntegrityError:
            pass
        wallet = wallets.first()
    return wallet


def _other_currency(merchant, customer, currency: str) -> str | None:
    """The currency of the customer's credit when they have none in `currency`."""
    other = Wallet.objects.filter(merchant=merchant, customer=customer).exclude(currency=currency)
    return other.order_by("-balance").values_list("currency", flat=True).first()


def _mismatch(customer_currency: str, currency: str) -> CurrencyMismatchError:
    return CurrencyMismatchError(
        {
            "currency": _("This customer's store credit is in %(wallet)s, not %(asked)s: spend it in %(wallet)s.")
            % {"wallet": customer_currency, "asked": currency}
        }
    )


def _record(
    *, merchant, customer, currency: str, asked: _Asked, floor: bool, create: bool, event: str = "", mirror_too=False
) -> Entry:
    """Write `asked` into the customer's wallet under its lock: the one place entries are made.

    `mirror_too` asks the shop to follow an entry it would not be asked about (mirror.mirrored)."""
    with transaction.atomic(), merchant_scope(merchant):
        existing = _by_key(merchant, asked.key)
        if existing is not None:
            return _same_entry(existing, wallet_currency=currency, customer_id=customer.pk, asked=asked)
        wallet = _wallet_locked(merchant, customer, currency, create=create)
        if wallet is None:
            other = _other_currency(merchant, customer, currency)
            if other is not None:
                raise _mismatch(other, currency)
            raise InsufficientCreditError(
                {"amount": _("This customer has no store credit in %(currency)s.") % {"currency": currency}}
            )
        existing = _by_key(merchant, asked.key)  # a call with the same key finished while we waited
        if existing is not None:
            return _same_entry(existing, wallet_currency=currency, customer_id=customer.pk, asked=asked)
        balance = wallet.balance + asked.amount
        if floor and asked.amount < 0 and balance < 0:
            raise InsufficientCreditError(
                {
                    "amount": _("Only %(balance)s %(currency)s of store credit is left: %(amount)s is too much.")
                    % {
                        "balance": amount_str(wallet.balance, currency),
                        "currency": currency,
                        "amount": amount_str(-asked.amount, currency),
                    }
                }
            )
        entry = _entry_write(wallet, asked, balance)
        if event:
            _event(entry, event)
        if mirror_too or mirror.mirrored(entry):
            mirror.mirror_request(entry)
        return entry


def _entry_write(wallet: Wallet, asked: _Asked, balance: Decimal) -> Entry:
    try:
        with transaction.atomic():  # the key's unique constraint decides a race with another wallet's lock
            entry = Entry.objects.create(
                merchant_id=wallet.merchant_id,
                wallet=wallet,
                kind=asked.kind,
                amount=asked.amount,
                balance_after=balance,
                source=asked.source,
                source_ref=asked.source_ref,
                key=asked.key,
                expires_at=asked.expires_at,
                note=asked.note,
                created_by=asked.created_by,
                reverses=asked.reverses,
                reverses_part_of=asked.reverses_part_of,
                expires_credit=asked.expires_credit,
            )
    except IntegrityError:
        if _by_key(wallet.merchant_id, asked.key) is None:
            if asked.reverses is not None:
                raise CreditValidationError({"entry": _("This entry was reversed already.")}) from None
            raise
        raise CreditKeyConflictError(
            _("The key “%(key)s” is being used by another entry.") % {"key": asked.key}
        ) from None
    wallet.balance = balance
    if balance < 0 and wallet.overdrawn_at is None:
        wallet.overdrawn_at = timezone.now()
    elif balance >= 0:
        wallet.overdrawn_at = None
    wallet.save(update_fields=["balance", "overdrawn_at", "updated_at"])
    entry.wallet = wallet
    return entry


def _event(entry: Entry, kind: str) -> None:
    event_record(
        merchant=entry.wallet.merchant,
        kind=kind,
        customer=entry.wallet.customer,
        anchor_key=f"store_credit:{entry.pk}",
        payload=entry_data(entry),
    )


# --- Issuing and spending ----------------------------------------------------------------------------


def credit_expiry_default(merchant, *, now: datetime | None = None) -> datetime | None:
    """When credit issued now expires by the shop's settings; None when it never does."""
    months = CreditSettings.objects.filter(merchant=merchant).values_list("expiry_months", flat=True).first()
    if not months:
        return None
    return add_months(now or timezone.now(), months)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28 or 29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def credit_issue(
    *,
    merchant,
    customer,
    amount: Decimal,
    currency: str,
    key: str,
    source: str,
    source_ref: str = "",
    expires_at=None,
    note: str = "",
) -> Entry:
    """Add credit to the customer's wallet in `currency` (made if they have none).

    Without `expires_at`, the shop's expiry setting decides (CreditSettings); the customer is emailed
    the code and the balance (store_credit.issued).
    """
    _check_customer(merchant, customer)
    currency = _clean_currency(currency)
    with merchant_scope(merchant):
        asked = _Asked(
            kind=EntryKind.ISSUED,
            amount=_clean_amount(amount, currency),
            source=_clean_source(source),
            key=_clean_text(key, field="key", length=KEY_LENGTH, required=True),
            source_ref=_clean_text(source_ref, field="source_ref", length=SOURCE_REF_LENGTH),
            note=_clean_text(note, field="note", length=NOTE_LENGTH),
            expires_at=expires_at if expires_at is not None else credit_expiry_default(merchant),
        )
        return _record(
            merchant=merchant,
            customer=customer,
            currency=currency,
            asked=asked,
            floor=False,
            create=True,
            event="store_credit.issued",
        )


def _spend_asked(*, amount, currency, key, source, source_ref) -> _Asked:
    return _Asked(
        kind=EntryKind.SPENT,
        amount=-_clean_amount(amount, currency),
        source=_clean_source(source),
        key=_clean_text(key, field="key", length=KEY_LENGTH, required=True),
        source_ref=_clean_text(source_ref, field="source_ref", length=SOURCE_REF_LENGTH),
    )


def credit_spend(*, merchant, customer, amount, currency, key, source, source_ref="") -> Entry:
    """Spend credit ourselves (the portal, an exchange): never below zero, InsufficientCreditError instead."""
    _check_customer(merchant, customer)
    currency = _clean_currency(currency)
    asked = _spend_asked(amount=amount, currency=currency, key=key, source=source, source_ref=source_ref)
    return _record(
        merchant=merchant,
        customer=customer,
        currency=currency,
        asked=asked,
        floor=True,
        create=False,
        event="store_credit.spent",
    )


def credit_spend_reported(
    *, merchant, customer, amount, currency, key, source=Source.SHOP, source_ref="", shop_follows=True
) -> Entry:
    """A spend the shop reports (an order paid with the gift card or coupon): recorded as it comes.

    It may take the balance below zero (the wallet is then flagged overdrawn for staff). Only a
    currency the customer has no credit in, while they have some in another, is refused.
    `shop_follows=False` when the shop's side does not go down by itself (a WooCommerce coupon keeps
    its amount): the shop is then asked to set it to the new balance, like any entry of ours.
    """
    _check_customer(merchant, customer)
    currency = _clean_currency(currency)
    asked = _spend_asked(amount=amount, currency=currency, key=key, source=source, source_ref=source_ref)
    with transaction.atomic(), merchant_scope(merchant):
        has_wallet = Wallet.objects.filter(merchant=merchant, customer=customer, currency=currency).exists()
        other = None if has_wallet else _other_currency(merchant, customer, currency)
        if other is not None and _by_key(merchant, asked.key) is None:
            raise _mismatch(other, currency)
        return _record(
            merchant=merchant,
            customer=customer,
            currency=currency,
            asked=asked,
            floor=False,
            create=True,
            event="store_credit.spent",
            mirror_too=not shop_follows,
        )


def credit_reverse(*, merchant, entry: Entry, key: str, note: str = "", amount=None) -> Entry:
    """Undo an issued credit or a spend, once: the opposite amount. Undoing credit already spent is refused.

    With `amount`, undo only that much of it (a refund of part of an order paid with the gift card):
    parts may follow one another up to the entry's whole amount, never beyond. Without it, whatever
    is left of it: the whole entry when no part was undone yet.
    """
    if entry.merchant_id != merchant.pk:
        raise CreditValidationError({"entry": _("This entry belongs to another shop.")})
    if entry.kind not in REVERSIBLE:
        raise CreditValidationError({"entry": _("Only issued credit or a spend can be reversed.")})
    with transaction.atomic(), merchant_scope(merchant):
        wallet = Wallet.objects.select_for_update().select_related("customer").get(pk=entry.wallet_id)
        key = _clean_text(key, field="key", length=KEY_LENGTH, required=True)
        existing = _by_key(merchant, key)
        if existing is not None and amount is None and entry.pk in (existing.reverses_id, existing.reverses_part_of_id):
            return existing  # a retry of "whatever was left"
        if existing is not None:  # a retry: _record gives back what the key made, or refuses another amount
            part = None if amount is None else _opposite(entry, _clean_amount(amount, wallet.currency))
        else:
            part = _reversal_part(entry, amount, wallet.currency)
        asked = _Asked(
            kind=EntryKind.REVERSED,
            amount=-entry.amount if part is None else part,
            source=entry.source,
            key=key,
            source_ref=entry.source_ref,
            note=_clean_text(note, field="note", length=NOTE_LENGTH),
            reverses=entry if part is None else None,
            reverses_part_of=None if part is None else entry,
        )
        return _record(
            merchant=merchant, customer=wallet.customer, currency=wallet.currency, asked=asked, floor=True, create=False
        )


def _opposite(entry: Entry, value: Decimal) -> Decimal:
    return value if entry.amount < 0 else -value


def _reversal_part(entry: Entry, amount, currency: str) -> Decimal | None:
    """The signed amount of a partial reversal of `entry`, or None for the whole of it in one go.

    Read under the wallet's lock: two parts at once cannot undo more than the entry together."""
    if Entry.objects.filter(reverses=entry).exists():
        raise CreditValidationError({"entry": _("This entry was reversed already.")})
    undone = abs(sum(Entry.objects.filter(reverses_part_of=entry).values_list("amount", flat=True), Decimal(0)))
    left = abs(entry.amount) - undone
    if amount is None and not undone:
        return None
    value = left if amount is None else _clean_amount(amount, currency)
    if value > left or value <= 0:
        raise CreditValidationError(
            {
                "amount": _("Only %(left)s %(currency)s of this entry is left to reverse.")
                % {"left": amount_str(left, currency), "currency": currency}
            }
        )
    return None if value == abs(entry.amount) else _opposite(entry, value)


def credit_adjust(*, merchant, customer, amount, currency, key, reason, by_user) -> Entry:
    """Staff correct a balance by a signed amount, saying why; never below zero."""
    _check_customer(merchant, customer)
    currency = _clean_currency(currency)
    asked = _Asked(
        kind=EntryKind.ADJUSTED,
        amount=_clean_amount(amount, currency, signed=True),
        source=Source.STAFF,
        key=_clean_text(key, field="key", length=KEY_LENGTH, required=True),
        note=_clean_text(reason, field="reason", length=NOTE_LENGTH, required=True),
        created_by=by_user,
    )
    return _record(
        merchant=merchant, customer=customer, currency=currency, asked=asked, floor=True, create=asked.amount > 0
    )


# --- Expiry --------------------------------------------------------------------------------------------


def credit_left(entries: list[Entry]) -> dict[int, Decimal]:
    """What is left of each credit-adding entry, by id, with the oldest credit spent first.

    `entries` are a wallet's, oldest first. An expiry or a reversal takes from the credit it names;
    any other negative entry from the oldest credit left. What the shop spent beyond the balance
    is taken from nothing (the wallet is overdrawn).
    """
    left: dict[int, Decimal] = {}
    for entry in entries:
        if entry.amount > 0:
            left[entry.pk] = entry.amount
            continue
        owed = -entry.amount
        named = entry.expires_credit_id or entry.reverses_id or entry.reverses_part_of_id
        for credit_id in ([named] if named in left else []) + list(left):
            taken = min(owed, left[credit_id])
            left[credit_id] -= taken
            owed -= taken
            if not owed:
                break
    return left


def _wallet_ids(*, kind_filter: dict) -> list[int]:
    with unscoped():
        return list(
            Entry.objects.filter(kind=EntryKind.ISSUED, wallet__balance__gt=0, **kind_filter)
            .values_list("wallet_id", flat=True)
            .distinct()
        )


def credits_expire_due(now: datetime | None = None) -> int:
    """Expire what is left of every issued credit past its `expires_at`; returns the entries made."""
    now = now or timezone.now()
    made = 0
    for wallet_id in _wallet_ids(kind_filter={"expires_at__lte": now, "expiry__isnull": True}):
        made += _wallet_expire(wallet_id, now)
    return made


def _wallet_expire(wallet_id: int, now: datetime) -> int:
    with unscoped():
        wallet = Wallet.objects.select_related("merchant", "customer").get(pk=wallet_id)
    made = 0
    with transaction.atomic(), merchant_scope(wallet.merchant):
        Wallet.objects.select_for_update().filter(pk=wallet_id).first()  # no entry is added meanwhile
        entries = list(wallet.entries.order_by("created_at", "id"))
        left = credit_left(entries)
        expired_already = {entry.expires_credit_id for entry in entries if entry.expires_credit_id}
        for credit in entries:
            due = credit.kind == EntryKind.ISSUED and credit.expires_at and credit.expires_at <= now
            if not due or left.get(credit.pk, 0) <= 0 or credit.pk in expired_already:
                continue
            asked = _Asked(
                kind=EntryKind.EXPIRED,
                amount=-left[credit.pk],
                source=Source.EXPIRY,
                key=f"expire:{credit.pk}",
                source_ref=credit.source_ref,
                expires_credit=credit,
            )
            _record(
                merchant=wallet.merchant,
                customer=wallet.customer,
                currency=wallet.currency,
                asked=asked,
                floor=True,
                create=False,
                event="store_credit.expired",
            )
            made += 1
    return made


def credits_remind_expiring(now: datetime | None = None) -> int:
    """Tell customers, once per issued credit, that what is left of it expires within 30 days."""
    now = now or timezone.now()
    window = {"expires_at__gt": now, "expires_at__lte": now + REMINDER_BEFORE, "expiry_reminded_at__isnull": True}
    reminded = 0
    for wallet_id in _wallet_ids(kind_filter=window):
        reminded += _wallet_remind(wallet_id, now, window)
    return reminded


def _wallet_remind(wallet_id: int, now: datetime, window: dict) -> int:
    with unscoped():
        wallet = Wallet.objects.select_related("merchant", "customer").get(pk=wallet_id)
    reminded = 0
    with transaction.atomic(), merchant_scope(wallet.merchant):
        Wallet.objects.select_for_update().filter(pk=wallet_id).first()
        entries = list(wallet.entries.order_by("created_at", "id"))
        left = credit_left(entries)
        due = list(wallet.entries.filter(kind=EntryKind.ISSUED, **window))
        for credit in due:
            if left.get(credit.pk, 0) > 0:
                credit.wallet = wallet
                event_record(
                    merchant=wallet.merchant,
                    kind="store_credit.expiring",
                    customer=wallet.customer,
                    anchor_key=f"store_credit:expiring:{credit.pk}",
                    payload={**entry_data(credit), "amount_left": amount_str(left[credit.pk], wallet.currency)},
                )
                reminded += 1
        Entry.objects.filter(pk__in=[credit.pk for credit in due]).update(expiry_reminded_at=now)
    return reminded


# --- Settings ------------------------------------------------------------------------------------------


def credit_settings_update(*, merchant, expiry_months: int | None) -> CreditSettings:
    if expiry_months is not None and not 1 <= expiry_months <= 120:
        raise CreditValidationError({"expiry_months": _("Give a number of months from 1 to 120, or none.")})
    with transaction.atomic(), merchant_scope(merchant):
        settings, _created = CreditSettings.objects.update_or_create(
            merchant=merchant, defaults={"expiry_months": expiry_months}
        )
    return settings
