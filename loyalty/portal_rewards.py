"""The "Rewards" part of the customer's loyalty page: rewards to redeem, and the codes they got.

Each page shown carries a fresh key in its redeem forms: a double click, or the form sent again,
redeems once (rewards.reward_redeem is idempotent per key).
"""

import uuid

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.scoping import merchant_scope
from portal.views import _customer_or_response, _language

from . import portal_views, rewards, selectors
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .models_rewards import Redemption

PORTAL_REDEMPTIONS = 10


class RedeemForm(forms.Form):
    reward = forms.IntegerField(min_value=1)
    key = forms.RegexField(regex=r"^[0-9a-f]{32}$")


def rewards_context(request, merchant, customer, account, language: str) -> dict:
    """What the page's Rewards part shows; `request.reward_error` is set by a refused redemption."""
    available = account.available if account else 0
    offered = list(rewards.rewards_offered(merchant))
    for reward in offered:
        reward.label = reward.name(language)
        reward.affordable = reward.points <= available
        reward.missing = max(reward.points - available, 0)
    redemptions = list(
        Redemption.objects.filter(merchant=merchant, customer=customer).select_related("reward")[:PORTAL_REDEMPTIONS]
    )
    for redemption in redemptions:
        redemption.label = redemption.reward.name(language)
    return {
        "rewards": offered,
        "redemptions": redemptions,
        "redeem_key": uuid.uuid4().hex,
        "reward_error": getattr(request, "reward_error", ""),
    }


@require_http_methods(["POST"])
def redeem(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    if not selectors.program_on(merchant):
        raise Http404("The shop has no loyalty program.")
    language = _language(request, merchant, customer=customer)
    form = RedeemForm(request.POST)
    error = _("Choose a reward from the list.") if not form.is_valid() else _redeem(merchant, customer, form)
    if error:
        return _page_again(request, token, error)
    path = reverse("portal-points:index", kwargs={"token": token})
    return redirect(f"{path}?lang={language}#rewards", permanent=False)


def _redeem(merchant, customer, form) -> str:
    """Redeem; the refusal to show the customer, or "" when it went through."""
    with merchant_scope(merchant):
        try:
            rewards.reward_redeem(
                merchant=merchant,
                customer=customer,
                reward_id=form.cleaned_data["reward"],
                key=f"portal:{form.cleaned_data['key']}",
            )
        except rewards.RewardNotFoundError:
            return _("This reward is no longer offered: choose another one.")
        except LoyaltyValidationError as refusal:
            if "points" in refusal.errors:
                return _("You do not have enough points for this reward yet.")
            return next(iter(refusal.errors.values()))
        except PointsKeyConflictError:
            return _("This page is out of date: reload it and choose again.")
    return ""


def _page_again(request, token, error: str):
    """The loyalty page with the refusal at its Rewards part, answered 400: nothing was redeemed."""
    request.reward_error = error
    request.method = "GET"
    response = portal_views.points_page(request, token)
    response.status_code = 400
    return response
