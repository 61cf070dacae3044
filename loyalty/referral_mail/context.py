"""`{{ referral }}` in email templates: the referral an email is about, as plain strings.

    {{ referral.code }} (the friend's welcome code)  {{ referral.offer }} ("10 % off", "5,00 € off")
    {{ referral.minimum }} ("on orders of 50,00 € or more", or "")  {{ referral.referrer_name }} ("Camille")
    {{ referral.points }} (the referrer's points)  {{ referral.order_number }} (the friend's order)
    {{ referral.url }} (the referrer's points page; for the friend, the shop's site)

It reads the referral the email's key names ("referral:42" for the friend, "referral:42:completed" for
the referrer), and only for the customer it was sent to: either end of that referral.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from core.l10n import format_money
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from portal.links import customer_portal_url

from ..models import Referral, ReferralSettings, ValueType
from ..referrals import offer_text, referral_settings

EMPTY = {"code": "", "offer": "", "minimum": "", "referrer_name": "", "points": "", "order_number": "", "url": ""}


def referral_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "referral",
        value=lambda order, language: dict(EMPTY),
        sample=sample_value,
        customer_value=customer_value,
        empty=EMPTY,
    )


def referral_id(anchor_key: str) -> int | None:
    parts = anchor_key.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[0] == "referral" and parts[1].isdigit() else None


def customer_value(customer, anchor_key: str, language: str) -> dict:
    pk = referral_id(anchor_key)
    if pk is None:
        return dict(EMPTY)
    merchant = customer.merchant
    with merchant_scope(merchant):
        referral = (
            Referral.objects.select_related("referrer", "order", "reward")
            .filter(Q(friend=customer) | Q(referrer=customer), merchant=merchant, pk=pk)
            .first()
        )
        if referral is None:
            return dict(EMPTY)
        program = referral_settings(merchant)
    is_referrer = referral.referrer_id == customer.pk
    reward = referral.reward
    return {
        "code": "" if is_referrer else referral.welcome_code,
        "offer": offer_text(program, merchant.currency, language),
        "minimum": _minimum(program, merchant.currency, language),
        "referrer_name": referral.referrer.first_name or _friend_word(language),
        "points": str(reward.pending + reward.available) if reward else "",
        "order_number": referral.order.number if referral.order_id else "",
        "url": f"{customer_portal_url(customer, 'points')}?lang={language}" if is_referrer else merchant.website_url,
    }


def _friend_word(language: str) -> str:
    with translation.override(language):
        return _("a friend")


def _minimum(program: ReferralSettings, currency: str, language: str) -> str:
    if program.minimum_subtotal is None:
        return ""
    with translation.override(language):
        return _("on orders of %(amount)s or more") % {
            "amount": format_money(program.minimum_subtotal, currency, language)
        }


def sample_value(merchant, language: str) -> dict:
    program = ReferralSettings(merchant=merchant, friend_value_type=ValueType.PERCENTAGE, friend_value=Decimal(10))
    return {
        "code": "WELCOME-9FJ3-M7KD",
        "offer": offer_text(program, merchant.currency, language),
        "minimum": "",
        "referrer_name": "Léa",
        "points": "500",
        "order_number": "#1043",
        "url": f"{settings.SITE_URL}/points/sample/?lang={language}",
    }
