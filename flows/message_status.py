"""Every move of a scheduled message between statuses, in one table, and the one way to make it.

Statuses change in bulk statements (a dispatcher batch moves hundreds of rows at once), so a move
is an UPDATE filtered on the status it leaves: a row that moved meanwhile is left alone, and the
count returned says how many really moved. The dispatcher's single-statement SQL takes its
statuses from `checked()`, so it cannot make a move this table does not allow either.
"""

from django.db.models import QuerySet

from .models import MessageStatus

S = MessageStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SCHEDULED: frozenset({S.SENDING, S.SKIPPED, S.FAILED, S.CANCELLED}),
    # a transient error sends it back to wait for its retry; a crash mid-send fails it (never resent)
    S.SENDING: frozenset({S.SENT, S.SCHEDULED, S.FAILED}),
    S.SENT: frozenset(),
    S.SKIPPED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}


class TransitionError(ValueError):
    pass


def checked(from_status: str, to_status: str) -> tuple[str, str]:
    if to_status not in TRANSITIONS[from_status]:
        raise TransitionError(f"A scheduled message cannot go from {from_status} to {to_status}.")
    return from_status, to_status


def scheduled_messages_move(rows: QuerySet, *, from_status: str, to_status: str, **fields) -> int:
    """Move the rows still in `from_status` to `to_status`, setting `fields` too; returns how many moved."""
    checked(from_status, to_status)
    return rows.filter(status=from_status).update(status=to_status, **fields)
