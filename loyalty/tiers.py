"""Tiers: which one each member holds, re-evaluated as soon as what qualifies counts and daily, never lost
in the middle of its term.

A member's qualifying total is counted over the shop's period (the calendar year, the last 12 months,
or their lifetime) on its basis:
- points earned: points that became spendable from earnings of any source but tier rewards (an
  order's points count once they leave pending, so returned items never lift anyone), less the
  spendable points refunds took back; spending, expiry and staff adjustments do not count;
- amount spent: the totals of their orders placed in the period, less what was refunded, cancelled
  and test orders left out.

A member reaches the highest tier whose threshold their total meets. A term lasts until the end of
the calendar year it was reached in (calendar year), 12 months (last 12 months), or for ever
(lifetime). A higher tier replaces the current one at once; a lower total changes nothing until the
term's last day has passed, when the member gets the tier they qualify for then (maybe the same one
for a new term, maybe none). Reaching a tier for the first time gives its entry points, once per
tier and member.
"""

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.events import batch_defer, event_record, publish_memo

from .models import Account, EntryKind, LoyaltySettings, Source
from .models_tiers import Tier, TierBasis, TierPeriod, TierTerm
from .services import points_grant
from .tier_rates import local_today, membership_settings

# Points that became spendable from earnings (at once or on maturing), less those refunds took back.
SPENDABLE_KINDS = [EntryKind.EARNED, EntryKind.AVAILABLE, EntryKind.REVERSED]


def period_start(period: str, now: datetime, tz) -> datetime | None:
    """When the counted period began (None: lifetime)."""
    if period == TierPeriod.LIFETIME:
        return None
    if period == TierPeriod.ROLLING_12_MONTHS:
        return now - relativedelta(months=12)
    local = timezone.localtime(now, tz)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def term_end(period: str, reached_on: date) -> date | None:
    """A term's last day."""
    if period == TierPeriod.LIFETIME:
        return None
    if period == TierPeriod.ROLLING_12_MONTHS:
        return reached_on + relativedelta(months=12) - relativedelta(days=1)
    return date(reached_on.year, 12, 31)


def qualifying_totals(merchant, basis: str, start: datetime | None, account_ids=None) -> dict[int, int]:
    """account id → its total over the period (whole points or whole currency units), for members
    with a total above zero; one query."""
    accounts = Account.objects.filter(merchant=merchant)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
    if basis == TierBasis.AMOUNT:
        counted = Q(
            customer__orders__test=False,
            customer__orders__cancelled_at__isnull=True,
            customer__orders__merchant=merchant,
        )
        if start is not None:
            counted &= Q(customer__orders__placed_at__gte=start)
        net = ExpressionWrapper(
            F("customer__orders__total") - F("customer__orders__refunded_amount"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
        total = Sum(net, filter=counted)
    else:
        counted = Q(entries__kind__in=SPENDABLE_KINDS) & ~Q(entries__source=Source.TIER)
        if start is not None:
            counted &= Q(entries__created_at__gte=start)
        spendable = ExpressionWrapper(F("entries__available") - F("entries__debt"), output_field=IntegerField())
        total = Sum(spendable, filter=counted)
    rows = accounts.annotate(total=Coalesce(total, 0, output_field=total.output_field)).values_list("pk", "total")
    return {pk: int(value) for pk, value in rows if value > 0}


def qualified_tier(tiers: list[Tier], total: int) -> Tier | None:
    """The highest tier whose threshold `total` meets (`tiers` by threshold, lowest first)."""
    reached = [tier for tier in tiers if tier.threshold <= total]
    return reached[-1] if reached else None


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.threshold


def _term_rank(term: TierTerm) -> int:
    """A term ranks as its tier does now, or as it did when reached if the shop removed it since."""
    return term.tier.threshold if term.tier is not None else term.threshold


@dataclass(frozen=True)
class Evaluation:
    tiers: list
    period: str
    today: date
    now: datetime


def tiers_evaluate(merchant, *, account_ids=None) -> int:
    """Give each member the tier they hold today; returns how many members changed tier."""
    with merchant_scope(merchant):
        if not LoyaltySettings.objects.filter(merchant=merchant, enabled=True).exists():
            return 0
        rules = membership_settings(merchant)
        now = timezone.now()
        tiers = list(Tier.objects.filter(merchant=merchant).order_by("threshold"))
        totals = qualifying_totals(
            merchant, rules.tier_basis, period_start(rules.tier_period, now, merchant.tzinfo), account_ids
        )
        open_terms = TierTerm.objects.filter(merchant=merchant, ended_at__isnull=True)
        if account_ids is not None:
            open_terms = open_terms.filter(account_id__in=account_ids)
        rows = list(open_terms.values_list("account_id", Coalesce("tier__threshold", "threshold"), "term_ends_on"))
        held = {account_id: rank for account_id, rank, _ends in rows}
        ends = {account_id: ends_on for account_id, _rank, ends_on in rows}
    evaluation = Evaluation(tiers=tiers, period=rules.tier_period, today=local_today(merchant), now=now)
    changed = 0
    for account_id in sorted(set(totals) | set(held)):
        qualified = qualified_tier(tiers, totals.get(account_id, 0))
        term_over = account_id in held and ends[account_id] is not None and ends[account_id] < evaluation.today
        higher = _rank(qualified) > held.get(account_id, -1)
        if term_over or (qualified is not None and higher):
            changed += _account_tier_update(merchant, account_id, qualified, evaluation)
    return changed


def _account_tier_update(merchant, account_id: int, qualified: Tier | None, evaluation: Evaluation) -> bool:
    """Under the account's lock, close the open term if it is over or outranked, and open the new one."""
    with transaction.atomic(), merchant_scope(merchant):
        account = Account.objects.select_for_update().select_related("customer").get(pk=account_id)
        current = TierTerm.objects.filter(account=account, ended_at__isnull=True).select_related("tier").first()
        term_over = current is not None and current.term_ends_on is not None and current.term_ends_on < evaluation.today
        if current is not None and not term_over:
            if qualified is None or _rank(qualified) <= _term_rank(current):
                return False  # kept until its term ends
        if current is not None:
            current.ended_at = evaluation.now
            current.save(update_fields=["ended_at"])
        term = None
        if qualified is not None:
            term = TierTerm.objects.create(
                merchant=merchant,
                account=account,
                tier=qualified,
                name_en=qualified.name_en,
                name_fr=qualified.name_fr,
                threshold=qualified.threshold,
                reached_at=evaluation.now,
                term_ends_on=term_end(evaluation.period, evaluation.today),
            )
        was = current.tier_id if current is not None else None
        if term is None or term.tier_id != was:
            _tier_changed(merchant, account, previous=current, term=term)
        if term is not None and qualified.entry_points:
            points_grant(
                merchant=merchant,
                customer=account.customer,
                points=qualified.entry_points,
                source=Source.TIER,
                key=f"tier:{qualified.pk}:account:{account.pk}",  # once per tier and member, ever
                note=qualified.name_en,
            )
        return term is None or term.tier_id != was


def term_data(term: TierTerm | None) -> dict | None:
    if term is None:
        return None
    return {
        "name": term.name_en,
        "name_fr": term.name_fr,
        "tier_id": term.tier_id,
        "reached_at": term.reached_at.isoformat(),
        "term_ends_on": term.term_ends_on.isoformat() if term.term_ends_on else None,
    }


def _tier_changed(merchant, account: Account, *, previous: TierTerm | None, term: TierTerm | None) -> None:
    """`loyalty.tier_changed` for webhooks and the timeline; `loyalty.tier_reached` starts the email
    when the member moved up."""
    payload = {"customer_id": account.customer_id, "tier": term_data(term), "previous": term_data(previous)}
    anchor = f"loyalty:tier:{(term or previous).pk}"
    event_record(
        merchant=merchant, kind="loyalty.tier_changed", customer=account.customer, anchor_key=anchor, payload=payload
    )
    moved_up = term is not None and (previous is None or _term_rank(term) > _term_rank(previous))
    if moved_up:
        event_record(
            merchant=merchant,
            kind="loyalty.tier_reached",
            customer=account.customer,
            anchor_key=anchor,
            payload=payload,
        )


def tiers_evaluate_all() -> int:
    """The daily pass over every shop running the program that has tiers or members holding one."""
    with unscoped():
        running = set(LoyaltySettings.objects.filter(enabled=True).values_list("merchant_id", flat=True))
        with_tiers = set(Tier.objects.values_list("merchant_id", flat=True))
        holding = set(TierTerm.objects.filter(ended_at__isnull=True).values_list("merchant_id", flat=True))
        merchants = list(Merchant.objects.filter(pk__in=running & (with_tiers | holding)).order_by("pk"))
    return sum(tiers_evaluate(merchant) for merchant in merchants)


# --- As soon as what qualifies counts -------------------------------------------------------------------------

# What each event counts for: the spend when an order is placed, points when they become spendable.
COUNTED_BASIS = {
    "order.created": TierBasis.AMOUNT,
    "loyalty.points_earned": TierBasis.POINTS,
    "loyalty.points_available": TierBasis.POINTS,
}


def on_counted(event) -> None:
    """Subscriber of COUNTED_BASIS's events (apps.py): a member reaches a tier when what qualifies them
    counts, not only at the daily pass. The members of a publishing batch are evaluated together,
    once per shop, just before the batch commits; nothing is read per event."""
    from .handlers import _program_on

    if not _program_on(event.merchant_id) or not _has_tiers(event.merchant_id):
        return
    if membership_settings(event.merchant).tier_basis != COUNTED_BASIS[event.kind]:
        return
    if event.kind == "loyalty.points_earned" and event.payload.get("available", 0) - event.payload.get("debt", 0) <= 0:
        return  # pending: they count once available (loyalty.points_available)
    customer_id = event.order.customer_id if event.order_id else event.customer_id
    if customer_id is not None:
        batch_defer(("loyalty-tiers",), [(event.merchant, customer_id)], _members_evaluate)


def _has_tiers(merchant_id: int) -> bool:
    def read() -> bool:
        with unscoped():
            return Tier.objects.filter(merchant_id=merchant_id).exists()

    return publish_memo(("loyalty-has-tiers", merchant_id), read)


def _members_evaluate(members: list[tuple[Merchant, int]]) -> None:
    """Evaluate the tiers of (merchant, customer id) pairs: one pass per shop over its accounts."""
    by_shop: dict[int, tuple[Merchant, set[int]]] = {}
    for merchant, customer_id in members:
        by_shop.setdefault(merchant.pk, (merchant, set()))[1].add(customer_id)
    for merchant, customer_ids in by_shop.values():
        with merchant_scope(merchant):
            accounts = list(
                Account.objects.filter(merchant=merchant, customer_id__in=customer_ids).values_list("pk", flat=True)
            )
        if accounts:
            tiers_evaluate(merchant, account_ids=accounts)


# --- What the customer, staff and the API see ---------------------------------------------------------------


@dataclass(frozen=True)
class TierStatus:
    term: TierTerm | None
    next_tier: Tier | None
    remaining: int  # points or whole currency units still to reach next_tier
    basis: str


def tier_status(merchant, customer) -> TierStatus | None:
    """The customer's tier today and how far the next one is; None when the shop has no tiers."""
    from .tier_rates import current_term

    with merchant_scope(merchant):
        tiers = list(Tier.objects.filter(merchant=merchant).order_by("threshold"))
        if not tiers:
            return None
        rules = membership_settings(merchant)
        account = Account.objects.filter(merchant=merchant, customer=customer).first()
        start = period_start(rules.tier_period, timezone.now(), merchant.tzinfo)
        total = qualifying_totals(merchant, rules.tier_basis, start, [account.pk]).get(account.pk, 0) if account else 0
    term = current_term(merchant, customer.pk) if account else None
    above = [tier for tier in tiers if tier.threshold > max(total, _term_rank(term) if term else -1)]
    next_tier = above[0] if above else None
    remaining = next_tier.threshold - total if next_tier else 0
    return TierStatus(term=term, next_tier=next_tier, remaining=remaining, basis=rules.tier_basis)


def status_data(status: TierStatus | None) -> dict | None:
    """The API's `tier`: null without tiers; `name` null while the member holds none."""
    if status is None:
        return None
    term = status.term
    return {
        "name": term.name_en if term else None,
        "reached_at": term.reached_at.isoformat() if term else None,
        "term_ends_on": term.term_ends_on.isoformat() if term and term.term_ends_on else None,
        "next": {"name": status.next_tier.name_en, "remaining": status.remaining} if status.next_tier else None,
    }


# --- The editor -------------------------------------------------------------------------------------------

TIER_FIELDS = ["name_en", "name_fr", "threshold", "multiplier", "entry_points"]


def tiers_save(*, merchant, rules: dict, rows: list[dict], removed: list[int]) -> None:
    """Save the perks' settings and the tiers as the editor lists them (rows with an `id` are edits).

    A tier removed keeps its members' current terms by name until they end, without multiplier.
    """
    from .errors import LoyaltyValidationError
    from .models_tiers import MembershipSettings

    with transaction.atomic(), merchant_scope(merchant):
        own = set(Tier.objects.filter(merchant=merchant).values_list("pk", flat=True))
        asked = {row["id"] for row in rows if row.get("id")} | set(removed)
        if not asked <= own:
            raise LoyaltyValidationError(
                {"tiers": _("A tier you edited was removed meanwhile: reload the page and try again.")}
            )
        MembershipSettings.objects.update_or_create(merchant=merchant, defaults=rules)
        Tier.objects.filter(merchant=merchant, pk__in=removed).delete()
        for row in rows:
            values = {field: row[field] for field in TIER_FIELDS}
            if row.get("id"):
                Tier.objects.filter(merchant=merchant, pk=row["id"]).update(**values)
            else:
                Tier.objects.create(merchant=merchant, **values)


# --- The members list's filter ------------------------------------------------------------------------------


def tier_filter_read(merchant, raw: str) -> tuple[Tier | None, str]:
    """The tier `?tier=` names, or the message saying why it names none."""
    raw = raw.strip()
    if not raw:
        return None, ""
    with merchant_scope(merchant):
        tier = Tier.objects.filter(merchant=merchant, pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    return tier, "" if tier else _("This tier does not exist (any more): choose one in the list.")


def members_in_tier(accounts, tier: Tier, merchant):
    """The accounts holding `tier` today (an open term whose last day has not passed)."""
    today = local_today(merchant)
    holding = TierTerm.objects.filter(tier=tier, ended_at__isnull=True).filter(
        Q(term_ends_on__isnull=True) | Q(term_ends_on__gte=today)
    )
    return accounts.filter(pk__in=holding.values("account_id"))


def tiers_of(merchant) -> list[Tier]:
    with merchant_scope(merchant):
        return list(Tier.objects.filter(merchant=merchant).order_by("threshold"))
