"""The writes of Settings → Returns: the policy and its switch, product rules, the shop's reasons.

Each runs in a transaction inside the merchant's scope; the policy row is locked so two admins
saving at once leave one complete version, never a mix.
"""

from django.db import transaction

from core.scoping import get_for_merchant, merchant_scope

from .models import ReturnPolicy, ReturnReason, ReturnRule
from .reasons import return_reasons_seed

POLICY_FIELDS = {
    "window_days",
    "window_start",
    "excluded_discount_percent",
    "holiday_from",
    "holiday_to",
    "holiday_until",
    "countries",
    "fee",
    "return_address",
    "methods",
    "keep_it_below",
    "auto_approve",
    "auto_approve_below",
    "auto_approve_max_returns",
    "returns_per_year",
    "blocked_emails",
    "resolutions",
    "credit_bonus_kind",
    "credit_bonus",
    "exchange_ships",
    "exchange_instant_max_returns",
    "exchange_dearer",
    "exchange_dearer_max",
}
REASON_FIELDS = ("label_en", "label_fr", "position", "photo_required", "comment_required", "active")


def _locked_policy(merchant) -> ReturnPolicy:
    """The shop's policy row, locked; created switched off (with the defaults) the first time."""
    policy, _created = ReturnPolicy.objects.select_for_update().get_or_create(
        merchant=merchant, defaults={"enabled": False, "methods": ["ship_yourself"]}
    )
    return policy


def return_policy_save(*, merchant, values: dict) -> ReturnPolicy:
    unknown = set(values) - POLICY_FIELDS
    if unknown:
        raise ValueError(f"not policy settings: {', '.join(sorted(unknown))}")
    with merchant_scope(merchant), transaction.atomic():
        policy = _locked_policy(merchant)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        return_reasons_seed(merchant=merchant)
    return policy


def return_policy_switch(*, merchant, enabled: bool) -> ReturnPolicy:
    """Offer returns to customers, or stop: switching off keeps every setting for next time."""
    with merchant_scope(merchant), transaction.atomic():
        policy = _locked_policy(merchant)
        if policy.enabled != enabled:
            policy.enabled = enabled
            policy.save(update_fields=["enabled"])
        return_reasons_seed(merchant=merchant)
    return policy


def return_rule_save(*, merchant, values: dict, rule_id: int | None = None) -> ReturnRule:
    with merchant_scope(merchant), transaction.atomic():
        rule = get_for_merchant(ReturnRule, merchant=merchant, pk=rule_id) if rule_id else ReturnRule(merchant=merchant)
        for name in ("match", "value", "final_sale", "window_days"):
            setattr(rule, name, values[name])
        rule.save()
    return rule


def return_rule_delete(*, merchant, rule_id: int) -> None:
    with merchant_scope(merchant), transaction.atomic():
        get_for_merchant(ReturnRule, merchant=merchant, pk=rule_id).delete()


def return_reasons_update(*, merchant, rows: list[dict]) -> None:
    """Save the edited list: every row must be one of the shop's reasons (else nothing is saved)."""
    with merchant_scope(merchant), transaction.atomic():
        reasons = {r.pk: r for r in ReturnReason.objects.select_for_update().filter(merchant=merchant)}
        if {row["id"] for row in rows} - set(reasons):
            raise ReturnReason.DoesNotExist("not one of the shop's reasons")
        changed = []
        for row in rows:
            reason = reasons[row["id"]]
            for name in REASON_FIELDS:
                setattr(reason, name, row[name])
            changed.append(reason)
        ReturnReason.objects.bulk_update(changed, REASON_FIELDS)


def return_reason_add(*, merchant, values: dict) -> ReturnReason:
    """A reason of the shop's own, after the built-in ones (a duplicate code is refused by the database too)."""
    with merchant_scope(merchant), transaction.atomic():
        return_reasons_seed(merchant=merchant)
        last = ReturnReason.objects.filter(merchant=merchant).order_by("-position").first()
        return ReturnReason.objects.create(
            merchant=merchant, position=(last.position if last else 0) + 10, active=True, **values
        )
