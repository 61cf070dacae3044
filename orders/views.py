"""Dashboard pages of orders and customers. Reads through selectors, writes through services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merchants.access import staff_view
from merchants.models import Role

from . import selectors
from .forms import OrderCancelForm, OrderSearchForm
from .models import FulfillmentStatus
from .sections import customer_page_sections, order_page_templates
from .services import OrderValidationError, order_cancel

PAGE_SIZE = 25


@staff_view()
def order_list(request):
    form = OrderSearchForm(request.GET or None)
    query = status = ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    orders = selectors.order_search(merchant=request.merchant, query=query, status=status)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "orders/order_list.html",
        {"form": form, "page": page, "orders": page.object_list, "filters": filters.urlencode()},
    )


def cancel_refusal(order) -> str:
    """Why staff can no longer cancel the order here; empty when they can. Once parcels have left, cancelling
    would promise the customer a refund for goods on their way: that is a return or a refund, done in the shop."""
    if order.fulfillment_status in (FulfillmentStatus.PARTIAL, FulfillmentStatus.FULFILLED):
        return _(
            "This order has shipped, so it can no longer be cancelled. To take items back, arrange a return "
            "with the customer; to give money back, refund it in your shop."
        )
    return ""


def _order_page(request, order, status=200):
    can_cancel = order.cancelled_at is None and request.membership.has_role(Role.AGENT)
    refusal = cancel_refusal(order) if can_cancel else ""
    context = {
        "order": order,
        "timeline": selectors.order_timeline(order),
        "refunds": order.refunds.all(),
        "cancel_form": OrderCancelForm() if can_cancel and not refusal else None,
        "cancel_refusal": refusal,
        "section_templates": order_page_templates(),
    }
    return render(request, "orders/order_detail.html", context, status=status)


@staff_view()
def order_detail(request, pk):
    return _order_page(request, selectors.order_get(merchant=request.merchant, pk=pk))


@require_POST
@staff_view(Role.AGENT)
def order_cancel_view(request, pk):
    order = selectors.order_get(merchant=request.merchant, pk=pk)
    refusal = "" if order.cancelled_at else cancel_refusal(order)
    if refusal:
        messages.error(request, refusal)
        return _order_page(request, order, status=409)
    form = OrderCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason to cancel the order."))
        return redirect("orders:detail", pk=order.pk)
    try:
        _order, cancelled = order_cancel(merchant=request.merchant, order=order, reason=form.cleaned_data["reason"])
    except OrderValidationError as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", pk=order.pk)
    if cancelled:
        messages.success(request, _("Order %(number)s is cancelled.") % {"number": order.number})
    else:
        messages.info(request, _("Order %(number)s was already cancelled.") % {"number": order.number})
    return redirect("orders:detail", pk=order.pk)


@staff_view()
def customer_detail(request, pk):
    customer = selectors.customer_get(merchant=request.merchant, pk=pk)
    orders = selectors.customer_orders(merchant=request.merchant, customer=customer)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/customer_detail.html",
        {
            "customer": customer,
            "page": page,
            "orders": page.object_list,
            "filters": "",
            "timeline": selectors.customer_timeline(customer),
            "sections": customer_page_sections(request, customer),
        },
    )
