"""Points expire after N months without activity (LoyaltySettings.expiry_months; 0: never).

Activity is any earning or spending: an `earned` entry (an order, a review, any other earning), a
`redeemed` one, or points a staff member added. Points becoming available, reversals and
cancellations are not the customer's doing and start no new period.

The daily task (tasks.points_expire) looks at the accounts with available points in shops whose
program is on and has an expiry:

- 30 days before the period ends, it records `loyalty.points_expiring` (the reminder email) once per
  period, with an `ExpiryReminder` row named by the account's last activity;
- once the period has ended, it records an `expired` entry of every available point, keyed by the
  account and the last activity's date, so a rerun adds nothing. Points never expire sooner than 30
  days after their reminder: a shop that switches expiry on does not take points without warning.

Pending points and debt are left as they are: pending points are not the customer's to use yet.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from orders.events import event_record
from store_credit.services import add_months

from .models import Account, EntryKind, ExpiryReminder, LoyaltySettings, PointsEntry, Source
from .payloads import account_data

# The one writer of entries, from the module that owns it (services.py).
from .services import Asked, Moves, _record

REMINDER_BEFORE = timedelta(days=30)
# An account's last activity is compared with a date computed in months: the database picks the
# candidates with this much room, Python decides exactly (months have 28 to 31 days).
MONTH_SLACK = timedelta(days=4)

ACTIVITY = Q(kind=EntryKind.EARNED) | Q(kind=EntryKind.REDEEMED) | Q(kind=EntryKind.ADJUSTED, available__gt=0)


def _latest_activity(account_ref) -> Subquery:
    entries = PointsEntry.objects.filter(ACTIVITY, account=account_ref).order_by("-created_at", "-id")
    return Subquery(entries.values("created_at")[:1])


def last_activity(account: Account) -> datetime:
    """When the customer last earned or spent points; the account's opening when never."""
    latest = PointsEntry.objects.filter(ACTIVITY, account=account).order_by("-created_at", "-id").first()
    return latest.created_at if latest else account.created_at


def period_end(last_activity_at: datetime, months: int) -> datetime:
    return add_months(last_activity_at, months)


def points_expire_and_remind(now: datetime | None = None) -> dict:
    """Remind, then expire, the points of inactive accounts in every shop with an expiry."""
    now = now or timezone.now()
    done = {"reminded": 0, "expired": 0}
    with unscoped():
        programs = list(
            LoyaltySettings.objects.filter(enabled=True, expiry_months__gt=0).select_related("merchant").order_by("id")
        )
    for program in programs:
        with merchant_scope(program.merchant):
            for key, count in _shop_expire_and_remind(program, now).items():
                done[key] += count
    return done


def _shop_expire_and_remind(program: LoyaltySettings, now: datetime) -> dict:
    months = program.expiry_months
    candidates = list(
        Account.objects.filter(merchant=program.merchant, available__gt=0)
        .annotate(last_activity_at=Coalesce(_latest_activity(OuterRef("pk")), F("created_at")))
        .filter(last_activity_at__lte=add_months(now + REMINDER_BEFORE, -months) + MONTH_SLACK)
        .select_related("customer")
        .order_by("id")
    )
    reminders = {
        (reminder.account_id, reminder.last_activity_at): reminder
        for reminder in ExpiryReminder.objects.filter(account__in=[account.pk for account in candidates])
    }
    done = {"reminded": 0, "expired": 0}
    for account in candidates:
        account.merchant = program.merchant
        ends = period_end(account.last_activity_at, months)
        if now < ends - REMINDER_BEFORE:
            continue
        reminder = reminders.get((account.pk, account.last_activity_at))
        if reminder is None:
            done["reminded"] += _remind(account, ends, now)
        elif now >= max(ends, reminder.expires_at):
            done["expired"] += _expire(account) is not None
    return done


def _remind(account: Account, ends: datetime, now: datetime) -> bool:
    """Record the period's reminder and its event, once (a concurrent run's insert wins)."""
    merchant = account.merchant
    with transaction.atomic():
        try:
            with transaction.atomic():
                reminder = ExpiryReminder.objects.create(
                    merchant=merchant,
                    account=account,
                    last_activity_at=account.last_activity_at,
                    expires_at=max(ends, now + REMINDER_BEFORE),
                    points=account.available,
                )
        except IntegrityError:
            return False
        event_record(
            merchant=merchant,
            kind="loyalty.points_expiring",
            customer=account.customer,
            anchor_key=reminder_anchor_key(reminder),
            payload=reminder_data(reminder, account),
        )
    return True


def reminder_anchor_key(reminder: ExpiryReminder) -> str:
    return f"loyalty:expiring:{reminder.pk}"


def reminder_data(reminder: ExpiryReminder, account: Account) -> dict:
    return {
        "points": reminder.points,
        "expires_at": reminder.expires_at.isoformat(),
        "last_activity_at": reminder.last_activity_at.isoformat(),
        "account": account_data(account),
    }


def _expire(account: Account):
    """An `expired` entry of every available point, unless the customer was active meanwhile."""
    seen = account.last_activity_at

    def moves(locked: Account) -> Moves | None:
        if last_activity(locked) != seen:
            return None  # earned or spent since the candidates were read: a new period has begun
        return Moves(available=-locked.available) if locked.available > 0 else None

    asked = Asked(
        kind=EntryKind.EXPIRED,
        source=Source.EXPIRY,
        key=f"expire:{account.pk}:{seen.date().isoformat()}",
        moves=moves,
    )
    return _record(merchant=account.merchant, customer=account.customer, asked=asked)
