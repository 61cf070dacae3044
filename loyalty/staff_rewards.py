"""Dashboard → Loyalty → Rewards (/app/loyalty/rewards/): the list customers redeem from."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from . import rewards, services
from .errors import LoyaltyValidationError
from .models_rewards import Reward
from .reward_forms import RewardForm

REWARD_FIELDS = ["kind", "points", "value", "name_en", "name_fr", "active"]


@require_http_methods(["GET", "HEAD"])
@staff_view(Role.VIEWER)
def reward_list(request):
    context = {
        "rewards": list(rewards.rewards_listed(request.merchant)),
        "can_edit": request.membership.has_role(Role.ADMIN),
        "program": services.loyalty_settings(request.merchant),
        "currency": request.merchant.currency,
    }
    return render(request, "loyalty/staff/rewards.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.ADMIN)
def reward_new(request):
    return _reward_form_page(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.ADMIN)
def reward_edit(request, pk):
    reward = get_for_merchant(Reward, merchant=request.merchant, pk=pk, deleted_at__isnull=True)
    return _reward_form_page(request, reward)


def _reward_form_page(request, reward: Reward | None):
    if request.method != "POST":
        initial = {name: getattr(reward, name) for name in REWARD_FIELDS} if reward else {}
        return _form_render(request, reward, RewardForm(initial=initial))
    form = RewardForm(request.POST)
    if not form.is_valid():
        return _form_render(request, reward, form, status=400)
    data = form.cleaned_data
    try:
        rewards.reward_save(
            merchant=request.merchant,
            reward=reward,
            kind=data["kind"],
            points=data["points"],
            value=data["value"] if data["value"] is not None else Decimal(0),
            name_en=data["name_en"],
            name_fr=data["name_fr"],
            active=data["active"],
        )
    except LoyaltyValidationError as refusal:
        for field, message in refusal.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _form_render(request, reward, form, status=400)
    messages.success(request, _("Reward saved."))
    return redirect("loyalty:rewards")


def _form_render(request, reward, form, *, status=200):
    context = {"reward": reward, "form": form, "currency": request.merchant.currency}
    return render(request, "loyalty/staff/reward_form.html", context, status=status)


@require_http_methods(["POST"])
@staff_view(Role.ADMIN)
def reward_delete(request, pk):
    reward = get_for_merchant(Reward, merchant=request.merchant, pk=pk, deleted_at__isnull=True)
    rewards.reward_delete(merchant=request.merchant, reward=reward)
    messages.success(request, _("Reward deleted: customers no longer see it; its redemptions stay."))
    return redirect("loyalty:rewards")
