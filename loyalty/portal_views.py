"""The customer's loyalty page in the portal (a "customer" section: /points/<token>/)."""

from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.locale import customer_time_zone
from core.scoping import merchant_scope
from portal.views import _customer_or_response, _customer_page_context, _render

from . import portal_rewards, selectors, tier_portal
from .models import EntryKind, Source
from .referral_views import portal_referral_context


def customer_label(entry) -> str:
    """What an entry is, in the customer's words (the language active when called)."""
    number = {"number": entry.order_number}
    if perk := tier_portal.customer_label(entry, translation.get_language()):  # tier rewards, bonuses, birthdays
        return perk
    if entry.source == Source.REFERRAL and entry.kind == EntryKind.EARNED:
        return _("For inviting a friend")
    if entry.kind == EntryKind.EARNED and entry.source == Source.REVIEW:
        return _("For your review")
    if entry.kind == EntryKind.EXPIRED:
        return _("Points expired after a long time without activity")
    if entry.kind == EntryKind.EARNED:
        return _("For order %(number)s") % number if entry.order_number else _("Points earned")
    if entry.kind == EntryKind.AVAILABLE:
        return _("Points of order %(number)s now available") % number if entry.order_number else _("Points available")
    if entry.kind == EntryKind.REVERSED:
        return _("Item returned or refunded") + (f" ({entry.order_number})" if entry.order_number else "")
    if entry.kind == EntryKind.CANCELLED:
        return _("Order %(number)s cancelled") % number
    if entry.kind == EntryKind.REDEEMED:
        return _("Points used for a reward")
    if entry.kind == EntryKind.GIVEN_BACK:
        return _("Points given back: the reward could not be made")
    return _("Correction by the shop")


def customer_points(entry) -> int:
    """The change the customer sees: points earned, taken back or corrected (a maturation changes none)."""
    return 0 if entry.kind == EntryKind.AVAILABLE else entry.points - entry.debt


@require_http_methods(["GET", "HEAD"])
def points_page(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    if not selectors.program_on(merchant):
        raise Http404("The shop has no loyalty program.")
    context, language = _customer_page_context(request, token, merchant, customer, "points")
    with merchant_scope(merchant):
        context["account"] = selectors.customer_account(merchant=merchant, customer=customer)
        entries = list(selectors.customer_entries(merchant=merchant, customer=customer)[: selectors.PORTAL_ENTRIES])
    with translation.override(language):
        for entry in entries:
            entry.label = customer_label(entry)
            entry.change = customer_points(entry)
            entry.magnitude = abs(entry.change)
    context["entries"] = entries
    context.update(tier_portal.portal_context(merchant, customer, language))
    context["review_points"] = selectors.program(merchant).review_points
    context["expiry_months"] = selectors.program(merchant).expiry_months
    context["upcoming"] = [e for e in entries if e.kind == EntryKind.EARNED and e.pending > 0 and e.available_on]
    context.update(portal_referral_context(merchant=merchant, customer=customer, language=language))
    with merchant_scope(merchant):
        context.update(portal_rewards.rewards_context(request, merchant, customer, context["account"], language))
    with timezone.override(customer_time_zone(merchant=merchant, customer=customer)):
        return _render(request, "loyalty/portal/index.html", context, language=language)
