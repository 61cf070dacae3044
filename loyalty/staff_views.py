"""Dashboard pages of loyalty: members, settings, and staff adjustments (the block is on the customer page)."""

from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role
from orders.models import Customer

from . import selectors, services, tiers
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .figures_page import figures_context
from .forms import AdjustmentForm, BackfillForm, LoyaltySettingsForm
from .tasks import points_backfill

SEARCH_LENGTH = 100


@require_http_methods(["GET", "HEAD"])
@staff_view(Role.VIEWER)
def members(request):
    search = request.GET.get("q", "").strip()[:SEARCH_LENGTH]
    accounts = selectors.members(merchant=request.merchant, search=search)
    tier, tier_error = tiers.tier_filter_read(request.merchant, request.GET.get("tier", ""))
    accounts = tiers.members_in_tier(accounts, tier, request.merchant) if tier else accounts
    page = Paginator(accounts, selectors.MEMBERS_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "filters": urlencode({name: value for name, value in (("q", search), ("tier", tier and tier.pk)) if value}),
        "program": services.loyalty_settings(request.merchant),
        "tiers": tiers.tiers_of(request.merchant),
        "tier": tier,
        "tier_error": tier_error,
    }
    return render(request, "loyalty/staff/members.html", context, status=400 if tier_error else 200)


def _adjust_page(request, customer, form, *, status=200):
    context = {
        "customer": customer,
        "form": form,
        "account": selectors.customer_account(merchant=request.merchant, customer=customer),
    }
    return render(request, "loyalty/staff/adjust.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.AGENT)
def adjust(request, pk):
    customer = get_for_merchant(Customer, merchant=request.merchant, pk=pk)
    if request.method != "POST":
        return _adjust_page(request, customer, AdjustmentForm())
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        return _adjust_page(request, customer, form, status=400)
    data = form.cleaned_data
    try:
        services.points_adjust(
            merchant=request.merchant,
            customer=customer,
            points=data["points"],
            reason=data["reason"],
            key=f"staff:{data['key']}",
            by_user=request.user,
        )
    except LoyaltyValidationError as refusal:
        for field, message in refusal.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _adjust_page(request, customer, form, status=400)
    except PointsKeyConflictError:
        form.add_error(None, _("This form was already sent with other values: reload the page and try again."))
        return _adjust_page(request, customer, form, status=409)
    messages.success(request, _("Points adjusted."))
    return redirect(reverse("orders:customer", kwargs={"pk": customer.pk}) + "#loyalty")


SETTINGS_FIELDS = [
    "enabled",
    "points_per_unit",
    "deduct_discounts",
    "include_shipping",
    "include_tax",
    "pending_days",
    "expiry_months",
    "review_points",
]
SETTINGS_FIELDS += ["reward_code_days"]


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.VIEWER)
def loyalty_settings(request):
    current = services.loyalty_settings(request.merchant)
    if request.method != "POST":
        return _settings_page(request, current)
    if not request.membership.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only admins change the loyalty program."))
    form = LoyaltySettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, current, form=form, status=400)
    services.loyalty_settings_update(merchant=request.merchant, **form.cleaned_data)
    messages.success(request, _("Loyalty settings saved."))
    return redirect("loyalty:settings")


def _settings_page(request, current, *, form=None, backfill_form=None, status=200):
    form = form or LoyaltySettingsForm(initial={name: getattr(current, name) for name in SETTINGS_FIELDS})
    context = {
        "form": form,
        "backfill_form": backfill_form or BackfillForm(),
        "can_edit": request.membership.has_role(Role.ADMIN),
        "current": current,
    }
    return render(request, "loyalty/staff/settings.html", context, status=status)


@require_POST
@staff_view(Role.ADMIN)
def backfill(request):
    """Award points for past orders, in the background (a second click adds nothing: the keys)."""
    current = services.loyalty_settings(request.merchant)
    form = BackfillForm(request.POST)
    if form.is_valid() and not current.enabled:
        form.add_error(None, _("Switch the program on before awarding points for past orders."))
    if not form.is_valid():
        return _settings_page(request, current, backfill_form=form, status=400)
    since = form.cleaned_data["since"]
    since_at = datetime.combine(since, time(), request.merchant.tzinfo).isoformat() if since else None
    transaction.on_commit(lambda: points_backfill.delay(request.merchant.pk, since_at))
    messages.success(
        request, _("Points for past orders are being awarded. The members list shows them within a few minutes.")
    )
    return redirect("loyalty:settings")


@require_http_methods(["GET", "HEAD"])
@staff_view(Role.VIEWER)
def figures(request):
    context, status = figures_context(request.merchant, request.GET)
    return render(request, "loyalty/staff/figures.html", context, status=status)
