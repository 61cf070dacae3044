"""Store credit as the API, events and outbound webhooks show it: plain data, amounts as strings."""

from core.money import amount_str

from .models import Entry, Wallet


def _when(value) -> str | None:
    return value.isoformat() if value else None


def wallet_data(wallet: Wallet) -> dict:
    return {
        "id": wallet.pk,
        "customer_id": wallet.customer_id,
        "currency": wallet.currency,
        "balance": amount_str(wallet.balance, wallet.currency),
        "code": wallet.code,
        "shop_reference": wallet.shop_reference,
        "mirror_status": wallet.mirror_status,
        "overdrawn": wallet.overdrawn_at is not None,
        "overdrawn_at": _when(wallet.overdrawn_at),
    }


def entry_fields(entry: Entry, currency: str) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "amount": amount_str(entry.amount, currency),
        "currency": currency,
        "balance_after": amount_str(entry.balance_after, currency),
        "source": entry.source,
        "source_ref": entry.source_ref,
        "key": entry.key,
        "expires_at": _when(entry.expires_at),
        "note": entry.note,
        "reverses_id": entry.reverses_id or entry.reverses_part_of_id,  # all of it, or part of it
        "created_at": _when(entry.created_at),
    }


def entry_data(entry: Entry) -> dict:
    """An entry with its wallet as it is now: what store_credit.* events and webhooks carry."""
    return {**entry_fields(entry, entry.wallet.currency), "wallet": wallet_data(entry.wallet)}
