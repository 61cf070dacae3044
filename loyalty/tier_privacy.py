"""Personal data of tiers and perks: the birthday a customer gave, when they opened their page, the
tiers they held. Exported with the rest; erasure deletes the profile (the birthday is the customer's
own data, kept for nothing else) and keeps the tier history, which names no one but the account."""

from .models_tiers import MemberProfile, TierTerm


def _profiles_of(subject):
    profiles = MemberProfile.objects.filter(merchant=subject.merchant)
    return profiles if subject.whole_shop else profiles.filter(customer_id__in=subject.customer_ids)


def export_membership(subject) -> list[dict]:
    terms = TierTerm.objects.filter(merchant=subject.merchant).select_related("account")
    if not subject.whole_shop:
        terms = terms.filter(account__customer_id__in=subject.customer_ids)
    held: dict[int, list] = {}
    for term in terms.order_by("reached_at", "id"):
        held.setdefault(term.account.customer_id, []).append(
            {
                "tier": term.name_en,
                "reached_at": term.reached_at.isoformat(),
                "term_ends_on": term.term_ends_on.isoformat() if term.term_ends_on else None,
                "ended_at": term.ended_at.isoformat() if term.ended_at else None,
            }
        )
    profiles = {profile.customer_id: profile for profile in _profiles_of(subject)}
    return [
        {
            "customer_id": customer_id,
            "birthday": profiles[customer_id].birthday.isoformat()
            if customer_id in profiles and profiles[customer_id].birthday
            else None,
            "loyalty_page_opened_at": profiles[customer_id].opened_at.isoformat()
            if customer_id in profiles and profiles[customer_id].opened_at
            else None,
            "tiers": held.get(customer_id, []),
        }
        for customer_id in sorted(set(profiles) | set(held))
    ]


def erase_membership(subject) -> int:
    deleted, _by_model = _profiles_of(subject).delete()
    return deleted
