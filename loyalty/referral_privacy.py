"""Personal data in referrals: exported and erased with the rest (orders/privacy.py).

A subject's referrals are those they made and those that invited them (as a customer, or by the
email typed on the invitation page). Erasure blanks the email of a friend who is the subject (the
referrer's own row is anonymised by orders); statuses, reasons and points stay, so the staff
figures and the ledger still add up.
"""

from django.db.models import Q

from .models import Referral
from .referral_payloads import referral_data


def _as_friend(subject) -> Q:
    return Q(friend_id__in=subject.customer_ids) | Q(friend_email__in=[email.lower() for email in subject.emails])


def _referrals_of(subject, *, as_referrer: bool = True):
    referrals = Referral.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return referrals
    mine = _as_friend(subject)
    if as_referrer:
        mine |= Q(referrer_id__in=subject.customer_ids)
    return referrals.filter(mine)


def export_referrals(subject) -> list[dict]:
    rows = _referrals_of(subject).select_related("order", "reward").order_by("id")
    return [referral_data(referral) for referral in rows]


def erase_referrals(subject) -> int:
    return _referrals_of(subject, as_referrer=False).exclude(friend_email="").update(friend_email="")
