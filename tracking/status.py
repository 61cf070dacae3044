"""Folding a shipment's events into its status: pure functions, no database.

The rule: the newest event by occurred_at decides, so an old event that arrives late never
moves a shipment backwards; delivered is final unless a later return-to-sender event comes.
Events at the same instant are ordered by a fixed rank so that any arrival order of the same
events gives the same result.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import pgettext

from .models import ShipmentStatus as S

# Progress along the happy path; also the tie-break for events at the same instant.
RANK = {
    S.PENDING: 0,
    S.INFO_RECEIVED: 1,
    S.IN_TRANSIT: 2,
    S.ATTEMPT_FAILED: 3,
    S.EXCEPTION: 4,
    S.EXPIRED: 5,
    S.OUT_FOR_DELIVERY: 6,
    S.AVAILABLE_FOR_PICKUP: 7,
    S.DELIVERED: 8,
    S.RETURNING_TO_SENDER: 9,
}
# Statuses after which the shipment needs nothing more from the carrier.
FINAL = {S.DELIVERED, S.RETURNING_TO_SENDER, S.EXPIRED}
# Statuses a customer should hear about as a problem.
PROBLEMS = {S.ATTEMPT_FAILED, S.EXCEPTION, S.RETURNING_TO_SENDER, S.EXPIRED}


@dataclass(frozen=True)
class FoldedEvent:
    status: str
    occurred_at: datetime
    substatus: str = ""
    description: str = ""


@dataclass(frozen=True)
class Folded:
    status: str
    substatus: str
    decided_at: datetime | None  # when the deciding event happened
    last_event_at: datetime | None


def _order_key(event: FoldedEvent):
    return (event.occurred_at, RANK.get(event.status, 0), event.substatus, event.description)


def fold(events: Iterable[FoldedEvent], *, initial: str = S.PENDING) -> Folded:
    status, substatus, decided_at, last = initial, "", None, None
    for event in sorted(events, key=_order_key):
        last = event.occurred_at
        if status == S.DELIVERED and event.status != S.RETURNING_TO_SENDER:
            continue
        status, substatus, decided_at = event.status, event.substatus, event.occurred_at
    return Folded(status=status, substatus=substatus, decided_at=decided_at, last_event_at=last)


def is_progress_regression(current: str, proposed: str) -> bool:
    """True if `proposed` is an earlier step of the happy path than `current` (a stale hint)."""
    happy = [S.PENDING, S.INFO_RECEIVED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.AVAILABLE_FOR_PICKUP, S.DELIVERED]
    if current not in happy or proposed not in happy:
        return False
    return happy.index(proposed) < happy.index(current)


# --- What people read ---------------------------------------------------------------------------
# The tracking page's progress bar: "Ordered", then the statuses whose labels name the next steps. A
# shipment's heading, its bar, the dashboard's badges and the emails all take their words from the
# status labels, so a status is worded one way everywhere.
PROGRESS_STATUSES = [S.PENDING, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.DELIVERED]
# How far along the bar each status is (0 = ordered ... 4 = delivered).
STEP_OF_STATUS = {
    S.PENDING: 1,
    S.INFO_RECEIVED: 1,
    S.IN_TRANSIT: 2,
    S.ATTEMPT_FAILED: 3,
    S.EXCEPTION: 2,
    S.EXPIRED: 2,
    S.RETURNING_TO_SENDER: 2,
    S.OUT_FOR_DELIVERY: 3,
    S.AVAILABLE_FOR_PICKUP: 3,
    S.DELIVERED: 4,
}


def status_label(status: str) -> str:
    """`status` in the active language; a value we no longer know, as it was recorded."""
    return str(S(status).label) if status in S.values else status


def status_step(status: str) -> int:
    return STEP_OF_STATUS.get(status, 1)


def progress_labels() -> list[str]:
    """The progress bar's steps in the active language."""
    return [pgettext("progress step", "Ordered"), *(status_label(status) for status in PROGRESS_STATUSES)]
