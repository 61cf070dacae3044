"""Referral pages: the public invitation page (/invite/<shop>/<code>/) and the staff's list and settings."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.client_address import client_rate_key
from core.l10n import format_money
from core.rate_limits import RateLimit, too_many_attempts_message, too_many_requests
from core.scoping import merchant_scope
from merchants.access import staff_view
from merchants.models import Merchant, Role
from portal.views import _language, _render

from . import referral_selectors, referrals
from .models import BlockReason, ReferralStatus
from .referral_forms import InviteForm, ReferralSettingsForm

# Each request may email someone and asks the shop for a code: counted per visitor, and per member's
# link so that a shared link cannot be used to fill a shop with codes.
INVITES_PER_CLIENT = RateLimit("referral:invite:client", limit=10, window=3600)
INVITES_PER_LINK = RateLimit("referral:invite:link", limit=20, window=24 * 3600)
SELF = {BlockReason.SAME_EMAIL, BlockReason.SAME_CUSTOMER}


# --- The invitation page ---------------------------------------------------------------------------


def _link_or_404(merchant_slug: str, code: str):
    merchant = get_object_or_404(Merchant, slug=merchant_slug)
    link = referrals.referral_link_find(merchant, code)
    if link is None or not referrals.referrals_on(merchant):
        raise Http404("No such invitation at this shop.")
    return merchant, link


def _block_message(reason: str, merchant) -> str:
    if reason in SELF:
        return _("This is your own invitation link: share it with a friend, the welcome offer is for them.")
    if reason == BlockReason.MONTHLY_CAP:
        return _("This invitation link cannot be used again this month. Ask your friend again next month.")
    return _("The welcome offer is for people new to %(shop)s, and this address cannot receive it.") % {
        "shop": merchant.name
    }


@require_http_methods(["GET", "HEAD", "POST"])
def invite_page(request, merchant_slug, code):
    merchant, link = _link_or_404(merchant_slug, code)
    language = _language(request, merchant)
    form = InviteForm(request.POST or None)
    context = {"merchant": merchant, "link": link, "form": form, "referrer": link.customer}
    with translation.override(language):
        context["offer"] = referrals.offer_text(referrals.referral_settings(merchant), merchant.currency, language)
        if request.method != "POST":
            return _render(request, "loyalty/referral/invite.html", context, language=language)
        if not form.is_valid():
            return _render(request, "loyalty/referral/invite.html", context, language=language, status=400)
        wait = INVITES_PER_CLIENT.take(client_rate_key(request)) or INVITES_PER_LINK.take(f"{merchant.pk}:{link.pk}")
        if wait:
            context["error"] = too_many_attempts_message(wait)
            page = _render(request, "loyalty/referral/invite.html", context, language=language, status=429)
            return too_many_requests(page, wait)
        try:
            invitation = referrals.referral_invite(link=link, email=form.cleaned_data["email"], language=language)
        except referrals.ReferralsClosedError:  # switched off since the page was opened
            raise Http404("No such invitation at this shop.") from None
        if invitation.blocked:
            context["error"] = _block_message(invitation.referral.block_reason, merchant)
            return _render(request, "loyalty/referral/invite.html", context, language=language, status=400)
    sent = {"merchant": merchant, "address": invitation.referral.friend_email}
    return _render(request, "loyalty/referral/invite_sent.html", sent, language=language)


def share_links(link, merchant, language: str) -> dict:
    """The member's link, and ready-made messages for email and WhatsApp, in the page's language."""
    url = f"{settings.SITE_URL}{reverse('referral-invite', kwargs={'merchant_slug': merchant.slug, 'code': link.code})}"
    with translation.override(language):
        offer = referrals.offer_text(referrals.referral_settings(merchant), merchant.currency, language)
        subject = _("An offer for you at %(shop)s") % {"shop": merchant.name}
        text = _("I like %(shop)s and I think you will too: %(offer)s on your first order with my link %(url)s") % {
            "shop": merchant.name,
            "offer": offer,
            "url": url,
        }
    return {
        "url": url,
        "code": link.code,
        "offer": offer,
        "mailto": f"mailto:?subject={quote(subject)}&body={quote(text)}",
        "whatsapp": f"https://wa.me/?text={quote(text)}",
    }


# --- Staff -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@staff_view(Role.VIEWER)
def referral_list(request):
    merchant = request.merchant
    status = request.GET.get("status", "")
    context = {
        "statuses": ReferralStatus.choices,
        "status": status,
        "program": referrals.referral_settings(merchant),
        "loyalty_on": referrals.services.loyalty_settings(merchant).enabled,
        "figures": referral_selectors.referral_figures(merchant=merchant),
    }
    revenue = context["figures"]["revenue"] or 0
    context["revenue"] = format_money(revenue, merchant.currency, translation.get_language())
    if status and status not in ReferralStatus.values:
        context["error"] = _("Unknown status “%(status)s”: choose one in the list.") % {"status": status[:40]}
        context["status"] = ""
        return render(request, "loyalty/staff/referrals.html", context, status=400)
    rows = referral_selectors.referrals(merchant=merchant, status=status)
    context["page"] = Paginator(rows, referral_selectors.REFERRALS_PAGE).get_page(request.GET.get("page"))
    context["filters"] = f"status={status}" if status else ""
    return render(request, "loyalty/staff/referrals.html", context)


SETTINGS_FIELDS = ["enabled", "referrer_points", "friend_value_type", "friend_value", "minimum_subtotal", "monthly_cap"]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.VIEWER)
def referral_settings(request):
    merchant = request.merchant
    current = referrals.referral_settings(merchant)
    can_edit = request.membership.has_role(Role.ADMIN)
    form = ReferralSettingsForm(initial={name: getattr(current, name) for name in SETTINGS_FIELDS})
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only admins change the referral program."))
        form = ReferralSettingsForm(request.POST)
        if form.is_valid():
            with merchant_scope(merchant):
                referrals.referral_settings_update(merchant=merchant, **form.cleaned_data)
            messages.success(request, _("Referral settings saved."))
            return redirect("loyalty:referral-settings")
        status = 400
    context = {"form": form, "can_edit": can_edit, "current": current, "currency": merchant.currency}
    return render(request, "loyalty/staff/referral_settings.html", context, status=status)


def portal_referral_context(*, merchant, customer, language: str) -> dict:
    """The share block of the customer's loyalty page; empty while the shop runs no referrals."""
    with merchant_scope(merchant):
        referral = referral_selectors.portal_referral(merchant=merchant, customer=customer)
    if referral is None:
        return {}
    points = referrals.referral_settings(merchant).referrer_points
    return {"referral": referral, "share": share_links(referral["link"], merchant, language), "referral_points": points}
