"""Dashboard → Loyalty → Tiers and perks: the tiers editor, the bonus, birthday and members-only settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.scoping import merchant_scope
from merchants.access import staff_view
from merchants.models import Role

from . import tiers
from .errors import LoyaltyValidationError
from .models_tiers import Tier
from .tier_forms import MembershipSettingsForm, TierFormSet
from .tier_rates import membership_settings

RULE_FIELDS = ["tier_basis", "tier_period", "bonus_order_number", "bonus_points", "birthday_points", "members_only"]


def _initial(merchant) -> tuple[MembershipSettingsForm, TierFormSet]:
    rules = membership_settings(merchant)
    with merchant_scope(merchant):
        rows = list(Tier.objects.filter(merchant=merchant).order_by("threshold").values("id", *tiers.TIER_FIELDS))
    return MembershipSettingsForm(initial={name: getattr(rules, name) for name in RULE_FIELDS}), TierFormSet(
        initial=rows, prefix="tiers"
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.VIEWER)
def tiers_settings(request):
    can_edit = request.membership.has_role(Role.ADMIN)
    form, formset = _initial(request.merchant)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only admins change the loyalty program."))
        form, formset = MembershipSettingsForm(request.POST), TierFormSet(request.POST, prefix="tiers")
        if form.is_valid() and formset.is_valid():
            try:
                tiers.tiers_save(
                    merchant=request.merchant,
                    rules=form.cleaned_data,
                    rows=[row.cleaned_data for row in formset.kept_forms()],
                    removed=formset.removed_ids(),
                )
            except LoyaltyValidationError as refusal:
                form.add_error(None, refusal.errors["tiers"])
            else:
                messages.success(request, _("Tiers and perks saved."))
                return redirect("loyalty:tiers")
        status = 400
    context = {"form": form, "formset": formset, "can_edit": can_edit}
    return render(request, "loyalty/staff/tiers.html", context, status=status)
