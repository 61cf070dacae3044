"""Settings → Returns (/app/settings/returns/): admins edit the return policy, its rules and reasons; others read.

Every form posts to its own address and, when refused, the whole page is drawn again with that
form's errors and status 400: nothing of it was saved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.money import exact_amount
from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from .eligibility import country_name
from .models import BonusKind, Method, Resolution, ReturnPolicy, ReturnReason, ReturnRule
from .policy import (
    REASON_FIELDS,
    return_policy_save,
    return_policy_switch,
    return_reason_add,
    return_reasons_update,
    return_rule_delete,
    return_rule_save,
)
from .policy_forms import RESOLUTION_SLOTS, PolicyForm, ReasonAddForm, ReasonFormSet, RuleForm
from .reasons import built_in_reasons, lazy_label

PAGE = "return-settings:index"


def _saved(request, message: str):
    """Back to the top of the page, where the message is (the form's own #fragment would hide it)."""
    messages.success(request, message)
    return redirect(reverse(PAGE) + "#")


def _admin_only(request) -> None:
    """Viewers and agents read the page; only admins change it."""
    if not request.membership.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only admins change the return policy."))


def _amount(value, currency: str):
    """4.5 stored as 4.500 is shown 4.50 in EUR, 500 in JPY: the currency's decimals."""
    return None if value is None else exact_amount(value, currency)


def _policy_initial(policy: ReturnPolicy | None, currency: str) -> dict:
    policy = policy or ReturnPolicy(methods=["ship_yourself"])
    initial = {name: getattr(policy, name, None) for name in PolicyForm.base_fields}
    initial.update(
        fee=_amount(policy.fee, currency),
        keep_it_below=_amount(policy.keep_it_below, currency),
        auto_approve_below=_amount(policy.auto_approve_below, currency),
        exchange_dearer_max=_amount(policy.exchange_dearer_max, currency),
        countries=", ".join(policy.countries or []),
        credit_bonus=_bonus(policy, currency),
        **dict(zip((name for name, _label in RESOLUTION_SLOTS), policy.offered_resolutions(), strict=False)),
        blocked_emails="\n".join(policy.blocked_emails or []),
    )
    return initial


def _bonus(policy: ReturnPolicy, currency: str):
    """A percentage as typed (10, 12.5); an amount with the currency's decimals; nothing when there is none."""
    if not policy.credit_bonus:
        return None
    if policy.credit_bonus_kind == BonusKind.PERCENT:
        return f"{policy.credit_bonus.normalize():f}"  # 10, not 1E+1
    return _amount(policy.credit_bonus, currency)


def _reason_rows(reasons: list[ReturnReason]) -> list[dict]:
    return [{"id": r.pk, **{name: getattr(r, name) for name in REASON_FIELDS}} for r in reasons]


def _reason_list(reasons: list[ReturnReason]) -> list[dict]:
    """What customers choose from, for reading: the shop's reasons, else the built-in ones."""
    if not reasons:
        return [{**vars(choice), "active": True} for choice in built_in_reasons()]
    return [
        {
            "code": r.code,
            "label": lazy_label(r.label_en, r.label_fr),
            "photo_required": r.photo_required,
            "comment_required": r.comment_required,
            "active": r.active,
        }
        for r in reasons
    ]


def _page(request, *, status=200, policy_form=None, rule_form=None, reason_formset=None, reason_form=None):
    merchant = request.merchant
    policy = ReturnPolicy.objects.filter(merchant=merchant).first()
    rules = list(ReturnRule.objects.filter(merchant=merchant))
    reasons = list(ReturnReason.objects.filter(merchant=merchant))
    currency = merchant.currency
    reason_formset = reason_formset or ReasonFormSet(initial=_reason_rows(reasons), prefix="reasons")
    codes = {str(reason.pk): reason.code for reason in reasons}
    for row in reason_formset.forms:
        row.reason_code = codes.get(str(row["id"].value()), "")
    context = {
        "policy": policy,
        "offered": policy is not None and policy.enabled,
        "currency": currency,
        "countries": [(code, country_name(code)) for code in (policy.countries if policy else [])],
        "rules": rules,
        "reasons": reasons,
        "reason_list": _reason_list(reasons),
        "method_labels": [Method(code).label for code in (policy.methods if policy else []) if code in Method.values],
        "resolution_labels": [Resolution(code).label for code in (policy.offered_resolutions() if policy else [])],
        "can_edit": request.membership.has_role(Role.ADMIN),
        "policy_form": policy_form or PolicyForm(initial=_policy_initial(policy, currency), currency=currency),
        "rule_form": rule_form or RuleForm(),
        "reason_formset": reason_formset,
        "reason_form": reason_form or ReasonAddForm(),
    }
    return render(request, "returns/settings/policy.html", context, status=status)


@staff_view(Role.VIEWER)
def policy_page(request):
    if request.method != "POST":
        return _page(request)
    _admin_only(request)
    form = PolicyForm(request.POST, currency=request.merchant.currency)
    if not form.is_valid():
        return _page(request, status=400, policy_form=form)
    return_policy_save(merchant=request.merchant, values=form.policy_values())
    return _saved(request, _("Return policy saved."))


@require_POST
@staff_view(Role.VIEWER)
def policy_switch(request):
    _admin_only(request)
    enabled = request.POST.get("enabled")
    if enabled not in ("on", "off"):
        messages.error(request, _("Choose whether to offer returns or not."))
        return _page(request, status=400)
    policy = return_policy_switch(merchant=request.merchant, enabled=enabled == "on")
    if policy.enabled:
        return _saved(request, _("Customers can now ask for returns in the portal."))
    return _saved(request, _("Returns are no longer offered. Your settings are kept for next time."))


# --- Rules --------------------------------------------------------------------------------------


def _rules(request) -> list[ReturnRule]:
    return list(ReturnRule.objects.filter(merchant=request.merchant))


@require_POST
@staff_view(Role.VIEWER)
def rule_create(request):
    _admin_only(request)
    form = RuleForm(request.POST, existing=_rules(request))
    if not form.is_valid():
        return _page(request, status=400, rule_form=form)
    try:
        return_rule_save(merchant=request.merchant, values=form.cleaned_data)
    except IntegrityError:  # the same rule, submitted twice at once
        form.add_error("value", _("A rule for these products already exists: edit it instead."))
        return _page(request, status=400, rule_form=form)
    return _saved(request, _("Rule added."))


@staff_view(Role.VIEWER)
def rule_edit(request, pk):
    rule = get_for_merchant(ReturnRule, merchant=request.merchant, pk=pk)
    if request.method == "POST":
        _admin_only(request)
    data = request.POST if request.method == "POST" else None
    initial = {"match": rule.match, "value": rule.value, "final_sale": rule.final_sale, "window_days": rule.window_days}
    form = RuleForm(data, initial=initial, existing=_rules(request), editing=rule)
    if data is not None and form.is_valid():
        try:
            return_rule_save(merchant=request.merchant, values=form.cleaned_data, rule_id=rule.pk)
        except IntegrityError:  # another rule took these products meanwhile
            form.add_error("value", _("A rule for these products already exists: edit it instead."))
        else:
            return _saved(request, _("Rule saved."))
    context = {"rule": rule, "form": form, "can_edit": request.membership.has_role(Role.ADMIN)}
    return render(request, "returns/settings/rule_edit.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(Role.VIEWER)
def rule_delete(request, pk):
    _admin_only(request)
    return_rule_delete(
        merchant=request.merchant, rule_id=get_for_merchant(ReturnRule, merchant=request.merchant, pk=pk).pk
    )
    return _saved(request, _("Rule deleted."))


# --- Reasons ------------------------------------------------------------------------------------


@require_POST
@staff_view(Role.VIEWER)
def reasons_update(request):
    _admin_only(request)
    formset = ReasonFormSet(request.POST, prefix="reasons")
    if not formset.is_valid():
        return _page(request, status=400, reason_formset=formset)
    try:
        return_reasons_update(merchant=request.merchant, rows=[form.cleaned_data for form in formset.forms])
    except ReturnReason.DoesNotExist:
        messages.error(request, _("The list of reasons changed meanwhile: look at it again and save."))
        return _page(request, status=400)
    return _saved(request, _("Reasons saved."))


@require_POST
@staff_view(Role.VIEWER)
def reason_create(request):
    _admin_only(request)
    taken = set(ReturnReason.objects.filter(merchant=request.merchant).values_list("code", flat=True))
    form = ReasonAddForm(request.POST, taken_codes=taken)
    if not form.is_valid():
        return _page(request, status=400, reason_form=form)
    try:
        return_reason_add(merchant=request.merchant, values=form.cleaned_data)
    except IntegrityError:  # added by someone else a moment ago
        form.add_error("code", _("The shop already has a reason “%(code)s”.") % {"code": form.cleaned_data["code"]})
        return _page(request, status=400, reason_form=form)
    return _saved(request, _("Reason added."))
