"""Dashboard pages of store credit: admins adjust a customer's balance (with a reason) and set expiry."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role
from orders.models import Customer

from . import selectors, services
from .errors import CreditError, CreditKeyConflictError, CreditValidationError
from .forms import AdjustmentForm, CreditSettingsForm


def _admin_only(request) -> None:
    if not request.membership.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only admins change store credit."))


def _adjust_page(request, customer, form, *, status=200):
    context = {
        "customer": customer,
        "form": form,
        "wallets": selectors.customer_wallets(merchant=request.merchant, customer=customer),
    }
    return render(request, "store_credit/staff/adjust.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.ADMIN)
def adjust(request, pk):
    customer = get_for_merchant(Customer, merchant=request.merchant, pk=pk)
    if request.method != "POST":
        return _adjust_page(request, customer, AdjustmentForm(initial={"currency": request.merchant.currency}))
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        return _adjust_page(request, customer, form, status=400)
    data = form.cleaned_data
    try:
        services.credit_adjust(
            merchant=request.merchant,
            customer=customer,
            amount=data["amount"],
            currency=data["currency"],
            key=f"staff:{data['key']}",
            reason=data["reason"],
            by_user=request.user,
        )
    except CreditValidationError as refusal:
        for field, message in refusal.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _adjust_page(request, customer, form, status=400)
    except CreditKeyConflictError:
        form.add_error(None, _("This form was already sent with other values: reload the page and try again."))
        return _adjust_page(request, customer, form, status=409)
    except CreditError as refusal:  # pragma: no cover - every refusal is one of the above
        form.add_error(None, str(refusal))
        return _adjust_page(request, customer, form, status=400)
    messages.success(request, _("Store credit adjusted."))
    return redirect(reverse("orders:customer", kwargs={"pk": customer.pk}) + "#store-credit")


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view(Role.VIEWER)
def credit_settings(request):
    current = selectors.credit_settings(request.merchant)
    can_edit = request.membership.has_role(Role.ADMIN)
    form = CreditSettingsForm(initial={"expiry_months": current.expiry_months})
    status = 200
    if request.method == "POST":
        _admin_only(request)
        form = CreditSettingsForm(request.POST)
        if form.is_valid():
            services.credit_settings_update(merchant=request.merchant, expiry_months=form.cleaned_data["expiry_months"])
            messages.success(request, _("Store credit settings saved."))
            return redirect("store-credit-settings:index")
        status = 400
    return render(
        request,
        "store_credit/staff/settings.html",
        {"form": form, "can_edit": can_edit, "current": current},
        status=status,
    )
