"""Rewards and their redemption: every write to Reward and Redemption.

Redeeming happens in one transaction: the points are spent (`services.points_spend`, under the
account's row lock, so concurrent redemptions never overdraw), the Redemption is written, and
then either the store credit is issued at once, or the shop is asked for a single-use discount
code through the shop-actions outbox (kind `discount_code`, key `loyalty:redemption:<pk>`).
The request's key makes a double submit redeem once.

When the outbox finishes (`redemption_finished`, registered in apps.py): done, the code is the
customer's and they are emailed (`loyalty.reward_redeemed`); failed for good, the points come
back (a `given_back` entry) and they are told (`loyalty.reward_given_back`). While the action is
pending or waits for staff it may still succeed, and the points stay spent.
"""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.money import amount_str
from core.scoping import merchant_scope, unscoped
from orders.events import event_record
from orders.models import Order
from shop_actions.adapters import MANUAL, platform_for
from shop_actions.models import ShopActionKind, ShopActionStatus
from shop_actions.services import shop_action_request
from store_credit import services as store_credit
from store_credit.models import Source as CreditSource

from . import services
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .models import EntryKind, Source
from .models_rewards import Redemption, RedemptionStatus, Reward, RewardKind
from .payloads_rewards import redemption_data

KEY_PREFIX = "loyalty:redemption:"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from an email
CODE_PREFIX = "PTS"
KEY_LENGTH = 200
MAX_POINTS = 1_000_000
MAX_PERCENT = Decimal(100)
MAX_AMOUNT = Decimal("100000")
VALUE_TYPES = {
    RewardKind.AMOUNT_OFF: "fixed_amount",
    RewardKind.PERCENTAGE_OFF: "percentage",
    RewardKind.FREE_SHIPPING: "free_shipping",
}


class RewardNotFoundError(LookupError):
    """No such reward in this shop (or deleted): the caller answers 404."""


# --- The merchant's list --------------------------------------------------------------------------


def rewards_offered(merchant):
    """The rewards customers may redeem now, cheapest first."""
    return Reward.objects.filter(merchant=merchant, active=True, deleted_at__isnull=True).order_by("points", "id")


def rewards_listed(merchant):
    """Every reward staff manage (not the deleted ones), cheapest first."""
    return Reward.objects.filter(merchant=merchant, deleted_at__isnull=True).order_by("points", "id")


def reward_clean(*, kind, points, value, name_en, name_fr) -> dict:
    """The reward's fields checked together; LoyaltyValidationError names each wrong one."""
    errors = {}
    if kind not in RewardKind.values:
        errors["kind"] = _("Choose what the reward gives.")
    if not isinstance(points, int) or not 0 < points <= MAX_POINTS:
        errors["points"] = _("Give a whole number of points between 1 and %(max)s.") % {"max": "1 000 000"}
    if kind == RewardKind.FREE_SHIPPING:
        value = Decimal(0)  # nothing to give but the shipping
    elif not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        errors["value"] = _("Give the value of the reward: more than zero.")
    elif kind == RewardKind.PERCENTAGE_OFF and (value > MAX_PERCENT or value != value.to_integral_value()):
        errors["value"] = _("A percentage off is a whole number from 1 to 100.")
    elif value > MAX_AMOUNT:
        errors["value"] = _("At most %(max)s.") % {"max": "100 000"}
    for field, name in (("name_en", name_en), ("name_fr", name_fr)):
        if not (name or "").strip():
            errors[field] = _("Give the name customers see, in both languages.")
    if errors:
        raise LoyaltyValidationError(errors)
    return {"kind": kind, "points": points, "value": value, "name_en": name_en.strip(), "name_fr": name_fr.strip()}


def reward_save(*, merchant, reward: Reward | None = None, active: bool = True, **fields) -> Reward:
    """Create a reward, or change one; redemptions made already keep what they were."""
    cleaned = reward_clean(**fields)
    with transaction.atomic(), merchant_scope(merchant):
        if reward is None:
            return Reward.objects.create(merchant=merchant, active=active, **cleaned)
        for name, value in {**cleaned, "active": active}.items():
            setattr(reward, name, value)
        reward.save()
    return reward


def reward_delete(*, merchant, reward: Reward) -> Reward:
    """Take the reward off every list for good; its redemptions keep pointing at it."""
    with merchant_scope(merchant):
        if reward.deleted_at is None:
            reward.deleted_at = timezone.now()
            reward.active = False
            reward.save(update_fields=["deleted_at", "active", "updated_at"])
    return reward


# --- Redeeming ------------------------------------------------------------------------------------


def code_new() -> str:
    """PTS-7K4M-Q2XR: unique in practice (32^8), unambiguous to type."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{CODE_PREFIX}-{letters[:4]}-{letters[4:]}"


def reward_redeem(*, merchant, customer, reward_id, key: str) -> Redemption:
    """Spend the reward's points for the customer, once per `key`.

    RewardNotFoundError: no such reward in the shop (or deleted). LoyaltyValidationError: the
    program is off, the reward is not offered, or the customer has too few points (nothing changes).
    PointsKeyConflictError: the key was used for another reward.
    """
    key = (key or "").strip()
    if not key or len(key) > KEY_LENGTH:
        raise LoyaltyValidationError(
            {"key": _("Give an idempotency key of at most %(max)s characters.") % {"max": KEY_LENGTH}}
        )
    if customer is None or customer.merchant_id != merchant.pk:
        raise LoyaltyValidationError({"customer": _("This customer belongs to another shop.")})
    with merchant_scope(merchant):
        # A repeated request answers what the first one made, even if the reward changed since.
        earlier = _by_key(merchant, key, reward_id, customer)
        if earlier is not None:
            return earlier
        reward = Reward.objects.filter(merchant=merchant, pk=reward_id, deleted_at__isnull=True).first()
        if reward is None:
            raise RewardNotFoundError(reward_id)
        program = _check_offered(merchant, reward)
        try:
            with transaction.atomic():
                return _redeem(merchant, customer, reward, key, code_days=program.reward_code_days)
        except IntegrityError:  # the same key won a race: its redemption is the answer
            earlier = _by_key(merchant, key, reward_id, customer)
            if earlier is None:
                raise
            return earlier


def _by_key(merchant, key: str, reward_id, customer) -> Redemption | None:
    earlier = Redemption.objects.filter(merchant=merchant, key=key).first()
    if earlier is not None and (str(earlier.reward_id) != str(reward_id) or earlier.customer_id != customer.pk):
        raise PointsKeyConflictError(_("The key “%(key)s” was already used to redeem another reward.") % {"key": key})
    return earlier


def _check_offered(merchant, reward: Reward):
    program = services.loyalty_settings(merchant)
    if not program.enabled:
        raise LoyaltyValidationError({"reward": _("The shop's loyalty program is off: no reward can be redeemed.")})
    if not reward.active:
        raise LoyaltyValidationError({"reward": _("This reward is no longer offered: choose another one.")})
    return program


def _redeem(merchant, customer, reward: Reward, key: str, *, code_days: int | None) -> Redemption:
    spent = services.points_spend(
        merchant=merchant,
        customer=customer,
        points=reward.points,
        source=Source.REWARD,
        key=f"reward:{key}",
        note=reward.name_en,
    )
    redemption = Redemption.objects.create(
        merchant=merchant,
        customer=customer,
        reward=reward,
        kind=reward.kind,
        points=reward.points,
        value=reward.value,
        currency=merchant.currency,
        key=key,
        spent=spent,
    )
    if reward.kind == RewardKind.STORE_CREDIT:
        _credit_issue(redemption)
    else:
        redemption.code = code_new()
        if code_days:
            redemption.expires_at = redemption.created_at + timedelta(days=code_days)
        redemption.save(update_fields=["code", "expires_at"])
        _code_request(redemption)
    return redemption


def _credit_issue(redemption: Redemption) -> None:
    """Store credit needs no shop code of ours: it goes to the wallet at once."""
    store_credit.credit_issue(
        merchant=redemption.merchant,
        customer=redemption.customer,
        amount=redemption.value,
        currency=redemption.currency,
        key=f"{KEY_PREFIX}{redemption.pk}",
        source=CreditSource.LOYALTY,
        source_ref=f"redemption:{redemption.pk}",
    )
    _issued(redemption, code="", reference="")


def _shop_platform(customer) -> str:
    platform = (
        Order.objects.filter(merchant_id=customer.merchant_id, customer=customer)
        .order_by("-placed_at", "-id")
        .values_list("source_platform", flat=True)
        .first()
    )
    return platform or MANUAL


def _code_request(redemption: Redemption) -> None:
    merchant, customer = redemption.merchant, redemption.customer
    shop_action_request(
        merchant=merchant,
        kind=ShopActionKind.DISCOUNT_CODE,
        platform=platform_for(merchant, _shop_platform(customer)),
        key=f"{KEY_PREFIX}{redemption.pk}",
        payload=code_payload(redemption),
        subject=f"redemption:{redemption.pk}",
        customer=customer,
    )


def code_payload(redemption: Redemption) -> dict:
    """The discount asked of the shop (DISCOUNT_CONTRACT: every key present, plain JSON)."""
    customer = redemption.customer
    value = "0" if redemption.kind == RewardKind.FREE_SHIPPING else _value_str(redemption)
    return {
        "code": redemption.code,
        "title": _title(redemption),
        "value_type": VALUE_TYPES[redemption.kind],
        "value": value,
        "currency": redemption.currency,
        "customer_external_id": customer.external_id or "",
        "email": customer.email or "",
        "usage_limit": 1,
        "starts_at": redemption.created_at.isoformat(),
        "ends_at": redemption.expires_at.isoformat() if redemption.expires_at else None,
        "minimum_subtotal": None,
    }


def _value_str(redemption: Redemption) -> str:
    if redemption.kind == RewardKind.PERCENTAGE_OFF:
        return str(int(redemption.value))
    return amount_str(redemption.value, redemption.currency)


def _title(redemption: Redemption) -> str:
    """What staff read in the shop's admin, in the merchant's language."""
    customer = redemption.customer
    who = " ".join(part for part in (customer.first_name, (customer.last_name or "")[:1] + ".") if part.strip("."))
    with translation.override(redemption.merchant.default_language):
        title = _("Loyalty reward: %(reward)s") % {"reward": redemption.reward.name(translation.get_language())}
    return f"{title} ({who})" if who else title


# --- The shop's answer ------------------------------------------------------------------------------


def redemption_finished(action) -> None:
    """The shop made the code (or gave up for good): runs in the action's status change transaction."""
    if not action.key.startswith(KEY_PREFIX):
        return  # another app's discount code (a referral's welcome code)
    pk = action.key[len(KEY_PREFIX) :]
    with merchant_scope(action.merchant):
        redemption = (
            Redemption.objects.select_for_update()
            .select_related("merchant", "customer", "reward")
            .filter(merchant_id=action.merchant_id, pk=int(pk) if pk.isdigit() else None)
            .first()
        )
        if redemption is None:
            return
        if action.status == ShopActionStatus.SUCCEEDED:
            _succeeded(redemption, action.result or {})
        elif action.status == ShopActionStatus.FAILED and redemption.status == RedemptionStatus.PENDING:
            _give_back(redemption)


def _succeeded(redemption: Redemption, result: dict) -> None:
    if redemption.status == RedemptionStatus.ISSUED:
        return
    if redemption.status == RedemptionStatus.GIVEN_BACK:
        _take_again(redemption)  # staff retried an action that had failed: the code exists after all
    code = str(result.get("code") or "").strip()[:40] or redemption.code
    reference = str(result.get("shop_reference") or result.get("reference") or "")[:255]
    _issued(redemption, code=code, reference=reference)


def _issued(redemption: Redemption, *, code: str, reference: str) -> None:
    redemption.status = RedemptionStatus.ISSUED
    redemption.issued_at = timezone.now()
    if code:
        redemption.code = code
    redemption.shop_reference = reference
    redemption.save(update_fields=["status", "issued_at", "code", "shop_reference"])
    _event(redemption, "loyalty.reward_redeemed", f"{KEY_PREFIX}{redemption.pk}")


def _give_back(redemption: Redemption) -> None:
    _points_back(redemption, key=f"redemption:{redemption.pk}:given_back", status=RedemptionStatus.GIVEN_BACK)
    _event(redemption, "loyalty.reward_given_back", f"{KEY_PREFIX}{redemption.pk}:given_back")


def _points_back(redemption: Redemption, *, key: str, status: str) -> None:
    """The redemption's points available again (paying off debt first), once per `key`."""
    asked = services.Asked(
        kind=EntryKind.GIVEN_BACK,
        source=Source.REWARD,
        key=key,
        moves=lambda account: services._gain(account, redemption.points),
        note=redemption.reward.name_en,
    )
    services._record(merchant=redemption.merchant, customer=redemption.customer, asked=asked)
    redemption.status = status
    redemption.given_back_at = timezone.now()
    redemption.save(update_fields=["status", "given_back_at"])


def _take_again(redemption: Redemption) -> None:
    """The points given back are spent again: what the customer no longer has is recorded as debt."""

    def moves(account):
        taken = min(account.available, redemption.points)
        return services.Moves(available=-taken, debt=redemption.points - taken)

    asked = services.Asked(
        kind=EntryKind.REDEEMED,
        source=Source.REWARD,
        key=f"redemption:{redemption.pk}:taken_again",
        moves=moves,
        note=redemption.reward.name_en,
    )
    services._record(merchant=redemption.merchant, customer=redemption.customer, asked=asked)


def _event(redemption: Redemption, kind: str, anchor_key: str) -> None:
    event_record(
        merchant=redemption.merchant,
        kind=kind,
        customer=redemption.customer,
        anchor_key=anchor_key,
        payload=redemption_data(redemption),
    )


# --- Unused codes expiring -----------------------------------------------------------------------------


def codes_expire_unused(now: datetime | None = None) -> int:
    """Give back the points of codes that reached their end unused (the beat task, hourly).

    A code the shop reported on an order (Order.discount_codes) was used: it is marked so and keeps
    its points spent. Returns the redemptions whose points came back.
    """
    now = now or timezone.now()
    with unscoped():
        due = list(
            Redemption.objects.filter(status=RedemptionStatus.ISSUED, expires_at__lte=now).values_list("pk", flat=True)
        )
    return sum(_code_expire(pk) for pk in due)


def _code_expire(pk: int) -> bool:
    with transaction.atomic(), unscoped():
        redemption = (
            Redemption.objects.select_for_update()
            .select_related("merchant", "customer", "reward")
            .filter(pk=pk)
            .first()
        )
        if redemption is None or redemption.status != RedemptionStatus.ISSUED:
            return False  # another run got there first
        with merchant_scope(redemption.merchant):
            if _code_used(redemption):
                redemption.status = RedemptionStatus.USED
                redemption.save(update_fields=["status"])
                return False
            _points_back(redemption, key=f"redemption:{redemption.pk}:expired", status=RedemptionStatus.EXPIRED)
    return True


def _code_used(redemption: Redemption) -> bool:
    """Whether an order of the shop carries the code (WooCommerce reports codes in lower case)."""
    codes = {redemption.code, redemption.code.lower()}
    used = Q()
    for code in codes:
        used |= Q(discount_codes__contains=[{"code": code}])
    return Order.objects.filter(used, merchant_id=redemption.merchant_id).exists()
