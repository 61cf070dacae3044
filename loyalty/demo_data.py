"""The demo shops' loyalty program: switched on four months ago, with rewards, tiers and referrals.

Everything goes through the services the shop, its staff and its customers use (the settings'
saves, each order's earning, the refunds' reversals, the tier evaluation, a redemption, an
invitation and the friend's order), inside `events_recorded_as_history`, so no email goes out for
points earned last summer. The entries the services stamp with today's time are then set back to the
moment of the order that earned them.

A shop whose program was set up already (by an earlier run or by hand) is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Min

from core.scoping import merchant_scope
from demo.later_orders import LaterOrder, later_orders_write
from orders.events import events_recorded_as_history
from orders.models import Order, OrderEvent, Refund
from shop_actions.models import ShopAction, ShopActionStatus
from shop_actions.services import shop_action_confirm, shop_action_perform
from store_credit.models import Entry as CreditEntry

from . import referrals, rewards, services, tiers
from .models import (
    Account,
    LoyaltySettings,
    PointsEntry,
    Redemption,
    Referral,
    ReferralStatus,
    RewardKind,
    Source,
    TierBasis,
    TierPeriod,
    TierTerm,
)

LAUNCHED = timedelta(days=120)  # orders since then earned points
REWARDS = (  # kind, points, value in EUR (the GBP shop: the same figures in pounds), English, French
    (RewardKind.AMOUNT_OFF, 300, "5", "{money}5 off", "5\u00a0{money} de réduction"),
    (RewardKind.FREE_SHIPPING, 400, "0", "Free shipping", "Livraison offerte"),
    (RewardKind.STORE_CREDIT, 500, "10", "{money}10 store credit", "Avoir de 10\u00a0{money}"),
    (
        RewardKind.PERCENTAGE_OFF,
        800,
        "15",
        "15% off your next order",
        "15\u00a0% de réduction sur la prochaine commande",
    ),
)
# What the richest members chose in turn (the cheapest reward when they could not afford it).
CHOICES = (RewardKind.STORE_CREDIT, RewardKind.AMOUNT_OFF, RewardKind.PERCENTAGE_OFF, RewardKind.FREE_SHIPPING)
TIERS = (  # English, French, threshold (points earned this year), multiplier, points on reaching it
    ("Silver", "Argent", 300, Decimal("1.25"), 50),
    ("Gold", "Or", 800, Decimal("1.5"), 150),
)
REDEEMERS = 6  # members with the most points who spent some
FRIEND_NAMES = {"fr": ("lea.moreau", "jules.fontaine", "ines.garnier"), "en": ("amy.hughes", "tom.barker", "ella.ward")}


def seed_demo(context) -> None:
    merchant = context.merchant
    with merchant_scope(merchant):
        if LoyaltySettings.objects.filter(merchant=merchant).exists():
            return
        with events_recorded_as_history():
            _program_switch_on(merchant)
            stamps = _points_earn(merchant, context.now)
            stamps |= _refunds_reverse(merchant, context.now)
            tiers.tiers_evaluate(merchant)
            _rewards_redeem(merchant, _rewards_save(merchant), context.now)
            stamps |= _referrals_play(context)
        _stamp(stamps)
        _tier_terms_stamp(merchant, context.now)
        _accounts_stamp(merchant)
        _shop_actions_stamp(merchant)


def _program_switch_on(merchant) -> None:
    """What an admin saves in Loyalty → Settings, Tiers and perks, and Referrals."""
    services.loyalty_settings_update(
        merchant=merchant, enabled=True, points_per_unit=1, pending_days=30, reward_code_days=90, expiry_months=12
    )
    rules = {
        "tier_basis": TierBasis.POINTS,
        "tier_period": TierPeriod.CALENDAR_YEAR,
        "bonus_order_number": 3,
        "bonus_points": 100,
        "birthday_points": 50,
        "members_only": False,
    }
    rows = [
        {"name_en": en, "name_fr": fr, "threshold": threshold, "multiplier": multiplier, "entry_points": entry}
        for en, fr, threshold, multiplier, entry in TIERS
    ]
    tiers.tiers_save(merchant=merchant, rules=rules, rows=rows, removed=[])
    referrals.referral_settings_update(
        merchant=merchant, enabled=True, referrer_points=250, friend_value_type="percentage", friend_value=10
    )


def _points_earn(merchant, now) -> dict[int, object]:
    """Each order placed since the launch earns its points, oldest first; returns entry id → when."""
    orders = Order.objects.filter(
        merchant=merchant, placed_at__gte=now - LAUNCHED, customer__isnull=False, cancelled_at__isnull=True
    ).select_related("customer")
    stamps = {}
    for order in orders.order_by("placed_at", "pk"):
        order.merchant = merchant  # one shop: no query per order
        entry = services.points_earn_for_order(order=order)
        if entry is not None:
            stamps[entry.pk] = order.placed_at
    return stamps


def _refunds_reverse(merchant, now) -> dict[int, object]:
    refunds = Refund.objects.filter(
        merchant=merchant, order__placed_at__gte=now - LAUNCHED, order__customer__isnull=False
    ).select_related("order__customer")
    stamps = {}
    for refund in refunds.order_by("refunded_at", "pk"):
        refund.merchant = refund.order.merchant = merchant
        entry = services.points_reverse_for_refund(refund=refund)
        if entry is not None:
            stamps[entry.pk] = refund.refunded_at
    return stamps


def _rewards_save(merchant) -> list:
    money = "€" if merchant.currency == "EUR" else "£"
    return [
        rewards.reward_save(
            merchant=merchant,
            kind=kind,
            points=points,
            value=Decimal(value),
            name_en=en.format(money=money),
            name_fr=fr.format(money=money),
        )
        for kind, points, value, en, fr in REWARDS
    ]


def _rewards_redeem(merchant, offered: list, now) -> None:
    """The richest members spent points: store credit (to the wallet at once) and codes the shop made;
    the last code still waits for the shop."""
    richest = list(
        Account.objects.filter(merchant=merchant, available__gte=offered[0].points)
        .select_related("customer")
        .order_by("-available", "pk")[:REDEEMERS]
    )
    stamps = {}
    for index, account in enumerate(richest):
        wanted = CHOICES[index % len(CHOICES)]
        affordable = [reward for reward in offered if reward.points <= account.available]
        reward = next((reward for reward in affordable if reward.kind == wanted), affordable[0])
        redemption = rewards.reward_redeem(
            merchant=merchant, customer=account.customer, reward_id=reward.pk, key=f"demo:{account.pk}"
        )
        if reward.kind != RewardKind.STORE_CREDIT and index < len(richest) - 1:
            _shop_made_it(merchant, f"{rewards.KEY_PREFIX}{redemption.pk}", {"code": redemption.code})
        stamps[redemption.pk] = now - timedelta(days=4 * (len(richest) - index), hours=index)
    _redemptions_stamp(merchant, stamps)


def _redemptions_stamp(merchant, stamps: dict) -> None:
    """Each redemption (its spending, its code, its wallet credit) dated on a day of the last weeks."""
    redemptions = list(Redemption.objects.filter(merchant=merchant, pk__in=stamps).select_related("spent"))
    for redemption in redemptions:
        at = stamps[redemption.pk]
        redemption.created_at = redemption.spent.created_at = at
        redemption.issued_at = redemption.issued_at and at + timedelta(hours=2)
    Redemption.objects.bulk_update(redemptions, ["created_at", "issued_at"])
    PointsEntry.objects.bulk_update([redemption.spent for redemption in redemptions], ["created_at"])
    credits = CreditEntry.objects.filter(merchant=merchant, source_ref__in=[f"redemption:{pk}" for pk in stamps])
    for entry in credits:
        entry.created_at = stamps[int(entry.source_ref.removeprefix("redemption:"))]
        entry.save(update_fields=["created_at"])


def _shop_made_it(merchant, key: str, result: dict) -> None:
    """The worker's attempt (the demo's shop is run by hand, so it waits for staff), then staff's confirmation."""
    action = ShopAction.objects.get(merchant=merchant, key=key)
    action = shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    if action.status == ShopActionStatus.WAITING_FOR_STAFF:
        shop_action_confirm(action=action, result=result)


def _referrals_play(context) -> dict[int, object]:
    """A loyal member invited three friends: one ordered weeks ago (completed), one ordered this week
    (points pending), one had ordered before (blocked); and a member who invited a former customer."""
    merchant, now = context.merchant, context.now
    referrer = _referrer(merchant)
    if referrer is None:
        return {}
    link = referrals.referral_link_for(referrer)
    language = "fr" if merchant.default_language == "fr" else "en"
    domain = "example.org"
    invited = [
        referrals.referral_invite(link=link, email=f"{name}@{domain}", language=language).referral
        for name in FRIEND_NAMES[language]
    ]
    for referral in invited:
        _shop_made_it(merchant, f"{referrals.WELCOME_KEY_PREFIX}{referral.pk}", {"code": referral.welcome_code})
    former = Order.objects.filter(merchant=merchant).exclude(customer=referrer).order_by("placed_at").first()
    referrals.referral_invite(link=link, email=former.email, language=language)  # blocked: ordered before
    like = Order.objects.filter(merchant=merchant).exclude(customer=referrer).order_by("-placed_at").first()
    friends = [
        LaterOrder(
            external_id=f"{merchant.slug}-referral-{index}",
            like=like,
            placed_at=now - timedelta(days=days),
            customer=referral.friend,
            discount_codes=[referral.welcome_code],
        )
        for index, (referral, days) in enumerate(zip(invited, (45, 4), strict=False))
    ]
    stamps = {}
    _referrals_stamp(
        merchant, now, ordered={referral.pk: later.placed_at for referral, later in zip(invited, friends, strict=False)}
    )
    for order in later_orders_write(merchant, friends):
        order.merchant = merchant
        referral = referrals.referral_attribute(order=order)
        earned = services.points_earn_for_order(order=order)
        for entry in (referral.reward if referral else None, earned):
            if entry is not None:
                stamps[entry.pk] = order.placed_at
    pending_days = services.loyalty_settings(merchant).pending_days
    for referral in Referral.objects.filter(merchant=merchant, status=ReferralStatus.COMPLETED):
        referral.completed_at = min(referral.ordered_at + timedelta(days=pending_days), now)  # when the points came
        referral.save(update_fields=["completed_at"])
    return stamps


def _referrals_stamp(merchant, now, *, ordered: dict) -> None:
    """Invited a few days before the friend ordered (the others this month), as it happened."""
    for referral in Referral.objects.filter(merchant=merchant):
        referral.created_at = (
            ordered[referral.pk] - timedelta(days=2)
            if referral.pk in ordered
            else now - timedelta(days=9 if referral.status != ReferralStatus.BLOCKED else 16)
        )
        referral.save(update_fields=["created_at"])


def _referrer(merchant):
    """The member with the most orders (ties: the first customer)."""
    account = (
        Account.objects.filter(merchant=merchant)
        .annotate(orders=Count("customer__orders"))
        .select_related("customer")
        .order_by("-orders", "pk")
        .first()
    )
    return account.customer if account else None


def _stamp(stamps: dict) -> None:
    """Put each entry made above (and its event) back at the moment that caused it, in two bulk updates."""
    entries = list(PointsEntry.objects.filter(pk__in=stamps))
    for entry in entries:
        entry.created_at = stamps[entry.pk]
    PointsEntry.objects.bulk_update(entries, ["created_at"], batch_size=500)
    events = list(OrderEvent.objects.filter(anchor_key__in=[f"loyalty:{pk}" for pk in stamps]))
    for event in events:
        event.occurred_at = stamps[int(event.anchor_key.removeprefix("loyalty:"))]
    OrderEvent.objects.bulk_update(events, ["occurred_at"], batch_size=500)


def _tier_terms_stamp(merchant, now) -> None:
    """Each member reached their tier when their points of the year first met its threshold (the
    tiers count points once spendable, as `tiers.qualifying_totals` does); the points the tier gives
    and the tier's events are dated then too."""
    year_start = tiers.period_start(TierPeriod.CALENDAR_YEAR, now, merchant.tzinfo)
    terms = list(TierTerm.objects.filter(merchant=merchant, ended_at__isnull=True))
    counted = PointsEntry.objects.filter(
        merchant=merchant, kind__in=tiers.SPENDABLE_KINDS, created_at__gte=year_start
    ).exclude(source=Source.TIER)
    for term in terms:
        total = 0
        for entry in counted.filter(account_id=term.account_id).order_by("created_at", "pk"):
            total += entry.available - entry.debt
            if total >= term.threshold:
                term.reached_at = entry.created_at
                break
    TierTerm.objects.bulk_update(terms, ["reached_at"])
    reached = {f"tier:{term.tier_id}:account:{term.account_id}": term.reached_at for term in terms}
    granted = PointsEntry.objects.filter(merchant=merchant, source=Source.TIER, key__in=reached)
    _stamp({entry.pk: reached[entry.key] for entry in granted})
    events = list(OrderEvent.objects.filter(anchor_key__in=[f"loyalty:tier:{term.pk}" for term in terms]))
    at = {f"loyalty:tier:{term.pk}": term.reached_at for term in terms}
    for event in events:
        event.occurred_at = at[event.anchor_key]
    OrderEvent.objects.bulk_update(events, ["occurred_at"])


def _accounts_stamp(merchant) -> None:
    """A member joined with their first points, not on the day the demo was loaded."""
    accounts = list(Account.objects.filter(merchant=merchant).annotate(first=Min("entries__created_at")))
    for account in accounts:
        account.created_at = account.first or account.created_at
    Account.objects.bulk_update(accounts, ["created_at"], batch_size=500)


def _shop_actions_stamp(merchant) -> None:
    """The codes the shop made for rewards and referral invitations: asked for when the member redeemed
    or invited, made two hours later (the one still to make keeps waiting since then)."""
    asked = {f"{rewards.KEY_PREFIX}{pk}": at for pk, at in Redemption.objects.values_list("pk", "created_at")}
    asked |= {f"store_credit:{key}": at for key, at in asked.items()}
    asked |= {f"{referrals.WELCOME_KEY_PREFIX}{pk}": at for pk, at in Referral.objects.values_list("pk", "created_at")}
    actions = list(ShopAction.objects.filter(merchant=merchant, key__in=asked))
    for action in actions:
        action.created_at = asked[action.key]
        if action.last_attempt_at is not None:
            action.last_attempt_at = action.created_at + timedelta(minutes=1)
        if action.completed_at is not None:
            action.completed_at = action.created_at + timedelta(hours=2)
    ShopAction.objects.bulk_update(actions, ["created_at", "last_attempt_at", "completed_at"])
