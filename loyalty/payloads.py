"""Points as the API, events and outbound webhooks show them: plain data."""

from .models import Account, PointsEntry


def _when(value) -> str | None:
    return value.isoformat() if value else None


def account_data(account: Account) -> dict:
    return {
        "customer_id": account.customer_id,
        "available": account.available,
        "pending": account.pending,
        "debt": account.debt,
    }


def entry_fields(entry: PointsEntry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "source": entry.source,
        "points": entry.points,
        "pending": entry.pending,
        "available": entry.available,
        "debt": entry.debt,
        "available_after": entry.available_after,
        "pending_after": entry.pending_after,
        "debt_after": entry.debt_after,
        "order_id": entry.order_id,
        "order_number": entry.order_number,
        "key": entry.key,
        "available_on": _when(entry.available_on),
        "note": entry.note,
        "created_at": _when(entry.created_at),
    }


def entry_data(entry: PointsEntry) -> dict:
    """An entry with its account as it is now: what loyalty.* events and webhooks carry."""
    return {**entry_fields(entry), "account": account_data(entry.account)}
