"""Dashboard pages of loyalty: members, settings, and staff adjustments (the block is on the customer page)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role
from orders.models import Customer

from . import selectors, services, tiers
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .forms import AdjustmentForm, LoyaltySettingsForm

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
    can_edit = request.membership.has_role(Role.ADMIN)
    form = LoyaltySettingsForm(initial={name: getattr(current, name) for name in SETTINGS_FIELDS})
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only admins change the loyalty program."))
        form = LoyaltySettingsForm(request.POST)
        if form.is_valid():
            services.loyalty_settings_update(merchant=request.merchant, **form.cleaned_data)
            messages.success(request, _("Loyalty settings saved."))
            return redirect("loyalty:settings")
        status = 400
    return render(
        request, "loyalty/staff/settings.html", {"form": form, "can_edit": can_edit, "current": current}, status=status
    )
