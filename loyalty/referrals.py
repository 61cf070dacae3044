"""Referrals: a member invites a friend, the friend gets a welcome code, the member earns points.

1. `referral_link_for` gives a member their link's code, made once (random, unique per shop).
2. `referral_invite` (the invitation page) checks the friend's email against the referrer, then asks
   the shop for a single-use `discount_code` (shop action key `referral:welcome:<pk>`), once per
   friend email per shop. `welcome_code_finished` records `referral.invited` when the shop made it:
   its flow emails the code to the friend; the page never shows it.
3. `referral_attribute` (order.created): an order carrying a welcome code links its referral, checks
   it again against the referrer, and grants the referrer's points, pending until the friend's order
   can no longer come back (loyalty's pending days from its placement).
4. `referral_reverse_for_order` (order.cancelled, a refund of the whole order) takes those pending
   points back; `referral_complete` (their `loyalty.points_available`) records `referral.completed`,
   whose flow tells the referrer.

Blocked referrals are kept with their reason (BlockReason) for staff.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import Customer, Order, Refund
from orders.services import CustomerInput, customer_upsert
from shop_actions.adapters import MANUAL, platform_for
from shop_actions.models import ShopActionKind, ShopActionStatus
from shop_actions.services import shop_action_request

from . import services
from .models import (
    BlockReason,
    Referral,
    ReferralLink,
    ReferralSettings,
    ReferralStatus,
    Source,
    ValueType,
)
from .models_referrals import REFERRAL_CODE_LENGTH
from .selectors import program

# No 0/O, 1/I/L, 5/S, 8/B: codes are read aloud and typed from a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXYZ2345679"
WELCOME_PREFIX = "WELCOME-"
WELCOME_KEY_PREFIX = "referral:welcome:"
CODE_ATTEMPTS = 5
# A referral whose friend has ordered: what may still be taken back or rewarded.
CONVERTED = (ReferralStatus.ORDERED, ReferralStatus.COMPLETED)


class ReferralsClosedError(Exception):
    """The shop runs no referral program (or the loyalty program is off)."""


# --- Settings ------------------------------------------------------------------------------------


def referral_settings(merchant) -> ReferralSettings:
    """The shop's referral settings, or the defaults (unsaved, off) when it never changed them."""
    with merchant_scope(merchant):
        found = ReferralSettings.objects.filter(merchant=merchant).first()
    return found or ReferralSettings(merchant=merchant)


def referral_settings_update(*, merchant, **values) -> ReferralSettings:
    with transaction.atomic(), merchant_scope(merchant):
        saved, _created = ReferralSettings.objects.update_or_create(merchant=merchant, defaults=values)
    return saved


def referrals_on(merchant) -> bool:
    """Members may invite friends: the loyalty program and referrals are both on (asked twice a page)."""
    if not hasattr(merchant, "_referrals_on"):
        merchant._referrals_on = program(merchant).enabled and referral_settings(merchant).enabled
    return merchant._referrals_on


# --- Codes ---------------------------------------------------------------------------------------


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def welcome_code_new() -> str:
    """A welcome code such as WELCOME-9FJ3-M7KD: unguessable, so nobody uses one not sent to them."""
    return f"{WELCOME_PREFIX}{_random_code(4)}-{_random_code(4)}"


def referral_link_for(customer) -> ReferralLink:
    """The member's link, made on first use; the same one for ever after."""
    merchant = customer.merchant
    with merchant_scope(merchant):
        found = ReferralLink.objects.filter(merchant=merchant, customer=customer).first()
        for _attempt in range(CODE_ATTEMPTS):
            if found is not None:
                return found
            try:
                with transaction.atomic():
                    return ReferralLink.objects.create(
                        merchant=merchant, customer=customer, code=_random_code(REFERRAL_CODE_LENGTH)
                    )
            except IntegrityError:  # the same customer made concurrently, or (rarely) a code taken
                found = ReferralLink.objects.filter(merchant=merchant, customer=customer).first()
    raise RuntimeError("Could not make a unique referral code.")


def referral_link_find(merchant, code: str) -> ReferralLink | None:
    """The shop's link with this code whose member is still with us (not erased), else None."""
    if not isinstance(code, str) or len(code) != REFERRAL_CODE_LENGTH:
        return None
    with merchant_scope(merchant):
        return (
            ReferralLink.objects.select_related("customer")
            .filter(merchant=merchant, code=code.upper(), customer__redacted_at__isnull=True)
            .first()
        )


# --- The welcome offer ---------------------------------------------------------------------------


def offer_text(program: ReferralSettings, currency: str, language: str) -> str:
    """The friend's offer in words: "10 % off", "€5.00 off", "free shipping"."""
    from django.utils import translation

    from core.l10n import format_money

    with translation.override(language):
        if program.friend_value_type == ValueType.FREE_SHIPPING:
            return pgettext("referral offer", "free shipping")
        if program.friend_value_type == ValueType.PERCENTAGE:
            percent = f"{program.friend_value.normalize():f}".replace(".", "," if language == "fr" else ".")
            return _("%(percent)s%% off") % {"percent": percent}
        return _("%(amount)s off") % {"amount": format_money(program.friend_value, currency, language)}


def _decimal_str(value) -> str:
    return f"{value.normalize():f}" if value is not None else None


def welcome_payload(referral: Referral, program: ReferralSettings) -> dict:
    """The `discount_code` shop action's payload (shared contract with the platform adapters)."""
    merchant, friend = referral.merchant, referral.friend
    value = "0" if program.friend_value_type == ValueType.FREE_SHIPPING else _decimal_str(program.friend_value)
    referrer = referral.referrer
    initial = f"{referrer.last_name[:1]}." if referrer.last_name else ""
    who = " ".join(part for part in (referrer.first_name, initial) if part) or referrer.email
    return {
        "code": referral.welcome_code,
        "title": f"Referral welcome: {offer_text(program, merchant.currency, 'en')} ({who}'s friend)"[:255],
        "value_type": program.friend_value_type,
        "value": value,
        "currency": merchant.currency,
        "customer_external_id": (friend.external_id if friend else "") or "",
        "email": referral.friend_email,
        "usage_limit": 1,
        "starts_at": timezone.now().isoformat(),
        "ends_at": None,
        "minimum_subtotal": _decimal_str(program.minimum_subtotal),
    }


def _shop_platform(customer) -> str:
    """Where the referrer orders: the platform the friend will order on too."""
    platform = (
        Order.objects.filter(merchant_id=customer.merchant_id, customer=customer)
        .order_by("-placed_at", "-id")
        .values_list("source_platform", flat=True)
        .first()
    )
    return platform or MANUAL


# --- Abuse checks --------------------------------------------------------------------------------


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 6 else ""  # the national part: +33 6… and 06… are one number


def _address_key(address1: str, postal_code: str, country: str) -> str:
    street = re.sub(r"[^a-z0-9]", "", (address1 or "").lower())
    postal = re.sub(r"\s", "", (postal_code or "").upper())
    return f"{street}|{postal}|{(country or '').upper()}" if street else ""


def _referrer_addresses(referrer) -> set[str]:
    rows = Order.objects.filter(merchant_id=referrer.merchant_id, customer=referrer).values_list(
        "shipping_address1", "shipping_postal_code", "shipping_country"
    )
    return {key for key in (_address_key(*row) for row in rows) if key}


def _month_start(merchant, now: datetime) -> datetime:
    local = now.astimezone(merchant.tzinfo)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _cap_reached(referrer, program: ReferralSettings, *, exclude_pk=None) -> bool:
    """The referrer already has `monthly_cap` friends who ordered this month (in the shop's time zone)."""
    since = _month_start(referrer.merchant, timezone.now())
    rewarded = Referral.objects.filter(
        merchant_id=referrer.merchant_id, referrer=referrer, status__in=CONVERTED, ordered_at__gte=since
    ).exclude(pk=exclude_pk)
    return rewarded.count() >= program.monthly_cap


def _signup_block(link: ReferralLink, email: str, program: ReferralSettings) -> str:
    """Why this friend email may not be invited by this member ("" if it may)."""
    referrer = link.customer
    if email == (referrer.email or "").strip().lower():
        return BlockReason.SAME_EMAIL
    known = list(Customer.objects.filter(merchant_id=link.merchant_id, email__iexact=email, redacted_at__isnull=True))
    if any(customer.pk == referrer.pk for customer in known):
        return BlockReason.SAME_CUSTOMER
    ordered = Order.objects.filter(merchant_id=link.merchant_id, test=False).filter(
        Q(email__iexact=email) | Q(customer__in=known)
    )
    if ordered.exists():
        return BlockReason.ALREADY_ORDERED
    phone = _digits(referrer.phone)
    if phone and any(_digits(customer.phone) == phone for customer in known):
        return BlockReason.SAME_PHONE
    if _cap_reached(referrer, program):
        return BlockReason.MONTHLY_CAP
    return ""


def _attribution_block(referral: Referral, order: Order, program: ReferralSettings) -> str:
    """Why the friend's order may not reward the referrer ("" if it may)."""
    referrer = referral.referrer
    if order.customer_id == referrer.pk:
        return BlockReason.SAME_CUSTOMER
    if (order.email or "").strip().lower() == (referrer.email or "").strip().lower():
        return BlockReason.SAME_EMAIL
    address = _address_key(order.shipping_address1, order.shipping_postal_code, order.shipping_country)
    if address and address in _referrer_addresses(referrer):
        return BlockReason.SAME_ADDRESS
    phone = _digits(referrer.phone)
    if phone and order.customer_id and _digits(order.customer.phone) == phone:
        return BlockReason.SAME_PHONE
    if _ordered_before(order):
        return BlockReason.ALREADY_ORDERED
    if _cap_reached(referrer, program, exclude_pk=referral.pk):
        return BlockReason.MONTHLY_CAP
    return ""


def _ordered_before(order: Order) -> bool:
    """The friend had another order at this shop before this one: it is not their first."""
    same_buyer = Q(email__iexact=order.email) if order.email else Q(pk__in=[])
    if order.customer_id:
        same_buyer |= Q(customer_id=order.customer_id)
    earlier = Order.objects.filter(merchant_id=order.merchant_id, test=False, placed_at__lt=order.placed_at)
    return earlier.filter(same_buyer).exclude(pk=order.pk).exists()


# --- Inviting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    referral: Referral
    new: bool  # False: this friend already had their code (nothing sent again)

    @property
    def blocked(self) -> bool:
        return self.referral.status == ReferralStatus.BLOCKED


def referral_invite(*, link: ReferralLink, email: str, language: str) -> Invitation:
    """Invite `email` through `link`: a blocked referral, the friend's existing one, or a new code asked of the shop."""
    merchant = link.merchant
    if not referrals_on(merchant):
        raise ReferralsClosedError
    email = email.strip().lower()
    program = referral_settings(merchant)
    with merchant_scope(merchant), transaction.atomic():
        existing = _invited(merchant, email)
        if existing is not None:
            return Invitation(existing, new=False)
        reason = _signup_block(link, email, program)
        if reason:
            return _blocked(link, email, reason)
        friend, _made = customer_upsert(merchant=merchant, data=CustomerInput(email=email, language=language))
        try:
            with transaction.atomic():
                referral = Referral.objects.create(
                    merchant=merchant,
                    link=link,
                    referrer=link.customer,
                    friend=friend,
                    friend_email=email,
                    status=ReferralStatus.CODE_REQUESTED,
                    welcome_code=welcome_code_new(),
                )
        except IntegrityError:  # the same friend invited at the same moment: theirs stands
            return Invitation(_invited(merchant, email), new=False)
        _welcome_code_request(referral, program)
        return Invitation(referral, new=True)


def _invited(merchant, email: str) -> Referral | None:
    return (
        Referral.objects.filter(merchant=merchant, friend_email=email)
        .exclude(status=ReferralStatus.BLOCKED)
        .select_related("referrer")
        .first()
    )


def _blocked(link: ReferralLink, email: str, reason: str) -> Invitation:
    """Keep the blocked attempt for staff, once per member, friend email and reason."""
    referral, made = Referral.objects.get_or_create(
        merchant=link.merchant,
        link=link,
        friend_email=email,
        status=ReferralStatus.BLOCKED,
        block_reason=reason,
        defaults={"referrer": link.customer},
    )
    return Invitation(referral, new=made)


def _welcome_code_request(referral: Referral, program: ReferralSettings) -> None:
    shop_action_request(
        merchant=referral.merchant,
        kind=ShopActionKind.DISCOUNT_CODE,
        platform=platform_for(referral.merchant, _shop_platform(referral.referrer)),
        key=f"{WELCOME_KEY_PREFIX}{referral.pk}",
        payload=welcome_payload(referral, program),
        subject=f"referral:{referral.pk}",
        customer=referral.friend,
    )


def welcome_code_finished(action) -> None:
    """The shop made (or gave up making) a friend's welcome code: email it, or show staff it failed."""
    if not action.key.startswith(WELCOME_KEY_PREFIX):
        return  # another app's discount code (a loyalty reward)
    pk = action.key[len(WELCOME_KEY_PREFIX) :]
    with merchant_scope(action.merchant):
        referral = Referral.objects.select_for_update().filter(merchant_id=action.merchant_id, pk=pk).first()
        if referral is None:
            return
        waiting = (ReferralStatus.CODE_REQUESTED, ReferralStatus.CODE_FAILED)
        if action.status == ShopActionStatus.SUCCEEDED and referral.status in waiting:
            referral.status = ReferralStatus.SENT
            referral.save(update_fields=["status"])
            _event(referral, "referral.invited", referral.friend, f"referral:{referral.pk}")
        elif action.status == ShopActionStatus.FAILED and referral.status == ReferralStatus.CODE_REQUESTED:
            referral.status = ReferralStatus.CODE_FAILED
            referral.save(update_fields=["status"])


def _event(referral: Referral, kind: str, customer, anchor_key: str) -> None:
    from .referral_payloads import referral_data

    if customer is None or customer.redacted_at is not None:
        return  # erased since: no email, no event naming them
    event_record(
        merchant=referral.merchant, kind=kind, customer=customer, anchor_key=anchor_key, payload=referral_data(referral)
    )


# --- Attribution and reward ----------------------------------------------------------------------


def welcome_codes_in(order: Order) -> list[str]:
    """The welcome codes among the order's discount codes, upper-cased (shops keep what was typed)."""
    codes = []
    for entry in order.discount_codes or []:
        code = str(entry.get("code", "") if isinstance(entry, dict) else entry).strip().upper()
        if code.startswith(WELCOME_PREFIX):
            codes.append(code)
    return codes


def referral_attribute(*, order: Order) -> Referral | None:
    """Link the referral whose welcome code the order carries, and reward its referrer (once)."""
    codes = welcome_codes_in(order)
    if not codes or order.test:
        return None
    merchant = order.merchant
    with merchant_scope(merchant), transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("referrer", "merchant")
            .filter(merchant=merchant, welcome_code__in=codes)
            .first()
        )
        if referral is None or referral.order_id is not None or referral.status == ReferralStatus.BLOCKED:
            return referral  # not ours, or already linked (a redelivered order.created)
        if not referrals_on(merchant):
            return referral
        program = referral_settings(merchant)
        referral.order = order
        referral.ordered_at = order.placed_at
        reason = _attribution_block(referral, order, program)
        if reason:
            referral.status, referral.block_reason = ReferralStatus.BLOCKED, reason
            referral.save(update_fields=["order", "ordered_at", "status", "block_reason"])
            return referral
        referral.status = ReferralStatus.ORDERED
        referral.reward = _reward(referral, order, program)
        referral.save(update_fields=["order", "ordered_at", "status", "reward"])
        if referral.reward is not None and referral.reward.pending == 0:  # no pending days: rewarded at once
            _complete(referral)
        return referral


def _reward(referral: Referral, order: Order, program: ReferralSettings):
    pending_days = services.loyalty_settings(order.merchant).pending_days
    return services.points_grant(
        merchant=order.merchant,
        customer=referral.referrer,
        points=program.referrer_points,
        source=Source.REFERRAL,
        key=f"referral:{referral.pk}",
        note=order.number,  # the friend's order: staff see why, the customer never sees the note
        pending_until=order.placed_at + timedelta(days=pending_days),
    )


def _complete(referral: Referral) -> None:
    referral.status = ReferralStatus.COMPLETED
    referral.completed_at = timezone.now()
    referral.save(update_fields=["status", "completed_at"])
    _event(referral, "referral.completed", referral.referrer, f"referral:{referral.pk}:completed")


def referral_complete_for_entry(*, merchant, earning_id: int) -> Referral | None:
    """The referrer's pending points became available: the referral is complete (once)."""
    with merchant_scope(merchant), transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("referrer", "merchant")
            .filter(merchant=merchant, reward_id=earning_id, status=ReferralStatus.ORDERED)
            .first()
        )
        if referral is not None:
            _complete(referral)
        return referral


def _fully_refunded(order: Order) -> bool:
    refunded = Refund.objects.filter(order=order).aggregate(total=Sum("amount"))["total"] or 0
    return order.total > 0 and refunded >= order.total


def referral_reverse_for_order(*, order: Order) -> Referral | None:
    """The friend's order was cancelled or wholly refunded while the points were pending: take them back."""
    with merchant_scope(order.merchant), transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("reward__account__customer", "reward__merchant")
            .filter(merchant=order.merchant, order=order, status=ReferralStatus.ORDERED)
            .first()
        )
        if referral is None or (order.cancelled_at is None and not _fully_refunded(order)):
            return None
        if referral.reward is not None:
            services.points_withdraw_pending(
                earning=referral.reward, key=f"referral:{referral.pk}:reversed", note=order.number
            )
        referral.status = ReferralStatus.REVERSED
        referral.save(update_fields=["status"])
        return referral
