"""Perks outside an order's amount: a bonus on the Nth order, birthday points, and the record of a
customer opening their loyalty page (which "members only" needs). Points go through points_grant."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.l10n import format_day
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.models import Order

from .errors import LoyaltyValidationError
from .models import EntryKind, LoyaltySettings, PointsEntry, Source
from .models_tiers import MemberProfile, MembershipSettings
from .returned import order_all_back
from .services import loyalty_settings, points_grant, points_take_back, restoration_number
from .tier_rates import local_today, membership_settings

BIRTHDAY_CHANGE_AFTER = relativedelta(months=12)
OLDEST_BIRTHDAY = date(1900, 1, 1)


# --- Bonus on the Nth order ------------------------------------------------------------------------------


def _rank_among_orders(order: Order) -> int:
    """The order's place among its customer's orders by date (cancelled ones included, so that an
    order keeps its place whatever happens to the others)."""
    earlier = Order.objects.filter(customer_id=order.customer_id, test=False, placed_at__lt=order.placed_at)
    same_time = Order.objects.filter(
        customer_id=order.customer_id, test=False, placed_at=order.placed_at, pk__lte=order.pk
    )
    return earlier.count() + same_time.count()


def bonus_key(order: Order, restoration: int = 0) -> str:
    """The bonus's key: once for the order's placement, once again for its nth restoration."""
    return f"bonus:order:{order.pk}" if not restoration else f"bonus:order:{order.pk}:restored:{restoration}"


def order_bonus_award(order: Order, *, restoration: int = 0):
    """The bonus for the customer's Nth order: keyed by that order, so once per customer (only one
    order is the Nth placed) however often its event is delivered, and once more for each of its
    restorations after a cancellation. Pending like the order's points."""
    if order.customer_id is None or order.test or order.exchange_for_rma or order.cancelled_at is not None:
        return None
    rules = membership_settings(order.merchant)
    if not rules.bonus_order_number or not rules.bonus_points:
        return None
    with merchant_scope(order.merchant):
        if _rank_among_orders(order) != rules.bonus_order_number:
            return None
    program = loyalty_settings(order.merchant)
    counted_from = timezone.now() if restoration else order.placed_at  # as the order's own points
    return points_grant(
        merchant=order.merchant,
        customer=order.customer,
        points=rules.bonus_points,
        source=Source.BONUS,
        key=bonus_key(order, restoration),
        note=order.number,
        pending_until=counted_from + timedelta(days=program.pending_days),
    )


def _current_bonus(order: Order) -> PointsEntry | None:
    """The order's latest bonus (its placement's, or its latest restoration's)."""
    key = bonus_key(order)
    with merchant_scope(order.merchant):
        bonuses = PointsEntry.objects.filter(merchant=order.merchant, kind=EntryKind.EARNED, source=Source.BONUS)
        found = bonuses.filter(Q(key=key) | Q(key__startswith=f"{key}:restored:"))
        return found.select_related("account__customer", "merchant").order_by("-id").first()


def order_bonus_take_back(order: Order):
    """The order was cancelled, or all of it came back: its bonus is taken back, once per bonus (a
    restored order earns a new one, which its own cancellation takes back in turn)."""
    bonus = _current_bonus(order) if order.customer_id else None
    if bonus is None:
        return None
    return points_take_back(earning=bonus, key=f"bonus:{bonus.pk}:taken-back", order=order)


def order_bonus_take_back_if_all_back(order: Order):
    """After a refund or a return: the bonus goes once nothing of the order stays with the customer."""
    if order.customer_id is None or _current_bonus(order) is None or not order_all_back(order):
        return None
    return order_bonus_take_back(order)


def on_order_placed(event) -> None:
    """Subscriber of order.created and order.restored (apps.py); nothing to read while the program is off."""
    from .handlers import _program_on

    if event.order_id is None or not _program_on(event.merchant_id):
        return
    with merchant_scope(event.merchant):
        if event.kind == "order.created":
            order_bonus_award(event.order)
        elif event.kind == "order.restored":
            order_bonus_award(event.order, restoration=restoration_number(event))


# --- The loyalty page: opened, birthday ---------------------------------------------------------------------


def _profile(merchant, customer) -> MemberProfile:
    profile = MemberProfile.objects.filter(merchant=merchant, customer=customer).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = MemberProfile.objects.create(merchant=merchant, customer=customer)
        except IntegrityError:  # made by a concurrent request
            profile = MemberProfile.objects.get(merchant=merchant, customer=customer)
    return profile


def page_opened(merchant, customer) -> MemberProfile:
    """Remember the first visit of the loyalty page (from then on a "members only" shop's customer
    earns); returns the customer's profile. One query on later visits."""
    now = timezone.now()
    with merchant_scope(merchant):
        profile = MemberProfile.objects.filter(merchant=merchant, customer=customer).first()
        if profile is None:
            try:
                with transaction.atomic():
                    return MemberProfile.objects.create(merchant=merchant, customer=customer, opened_at=now)
            except IntegrityError:  # made by a concurrent request
                profile = MemberProfile.objects.get(merchant=merchant, customer=customer)
        if profile.opened_at is None:  # a birthday given before: the page was open, but not counted yet
            MemberProfile.objects.filter(pk=profile.pk, opened_at__isnull=True).update(opened_at=now)
            profile.opened_at = now
    return profile


def birthday_set(*, merchant, customer, birthday: date, language: str = "en") -> MemberProfile:
    """Save the customer's birthday. The first date given is free; after that it changes once in 12
    months, so that moving it around cannot collect the birthday points twice a year."""
    today = local_today(merchant)
    if not OLDEST_BIRTHDAY <= birthday <= today:
        raise LoyaltyValidationError({"birthday": _("Give your date of birth: a day in the past.")})
    with transaction.atomic(), merchant_scope(merchant):
        profile = _profile(merchant, customer)
        profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.birthday == birthday:
            return profile
        if profile.birthday is not None:
            changed = profile.birthday_changed_at
            if changed is not None and changed + BIRTHDAY_CHANGE_AFTER > timezone.now():
                again = format_day(changed + BIRTHDAY_CHANGE_AFTER, language, merchant.tzinfo)
                raise LoyaltyValidationError(
                    {
                        "birthday": _(
                            "Your birthday was already changed in the last 12 months: it can be changed "
                            "again from %(day)s. Contact the shop if it is wrong."
                        )
                        % {"day": again}
                    }
                )
            profile.birthday_changed_at = timezone.now()
        profile.birthday = birthday
        profile.save(update_fields=["birthday", "birthday_changed_at", "updated_at"])
    return profile


def _birthdays_on(day: date) -> list[tuple[int, int]]:
    """(month, day) pairs celebrated on `day`: 29 February is celebrated on the 28th in other years."""
    pairs = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and (day + timedelta(days=1)).month == 3:
        pairs.append((2, 29))
    return pairs


def birthday_points_award(merchant) -> int:
    """Birthday points for the shop's customers whose birthday is today, keyed by year: once a year."""
    rules = membership_settings(merchant)
    if not rules.birthday_points or not loyalty_settings(merchant).enabled:
        return 0
    today = local_today(merchant)
    made = 0
    with merchant_scope(merchant):
        profiles = MemberProfile.objects.filter(merchant=merchant, birthday__isnull=False).select_related("customer")
        pairs = _birthdays_on(today)
        profiles = [
            p
            for p in profiles.filter(birthday__month__in=[m for m, _d in pairs])
            if (p.birthday.month, p.birthday.day) in pairs
        ]
        keys = {profile.customer_id: f"birthday:{profile.customer_id}:{today.year}" for profile in profiles}
        given = set(PointsEntry.objects.filter(merchant=merchant, key__in=keys.values()).values_list("key", flat=True))
        for profile in profiles:
            if keys[profile.customer_id] in given:
                continue  # already this year (maybe on the date given before a change)
            made += (
                points_grant(
                    merchant=merchant,
                    customer=profile.customer,
                    points=rules.birthday_points,
                    source=Source.BIRTHDAY,
                    key=keys[profile.customer_id],
                )
                is not None
            )
    return made


def birthday_points_award_all() -> int:
    with unscoped():
        running = set(LoyaltySettings.objects.filter(enabled=True).values_list("merchant_id", flat=True))
        giving = set(MembershipSettings.objects.filter(birthday_points__gt=0).values_list("merchant_id", flat=True))
        merchants = list(Merchant.objects.filter(pk__in=running & giving).order_by("pk"))
    return sum(birthday_points_award(merchant) for merchant in merchants)
