"""Dashboard pages of shop actions: viewers read, agents retry and confirm."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merchants.access import staff_view
from merchants.models import Role

from . import selectors, services
from .forms import ShopActionConfirmForm, ShopActionFilterForm
from .manual import staff_message
from .models import ShopActionStatus

PAGE_SIZE = 25


@staff_view()
def action_list(request):
    form = ShopActionFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    actions = selectors.shop_actions_list(merchant=request.merchant, status=status)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    for action in page.object_list:
        action.message = staff_message(action)
    context = {"form": form, "page": page, "actions": page.object_list, "status_filter": status}
    return render(request, "shop_actions/list.html", context)


def _pretty(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)


def _detail(request, action, *, confirm_form=None, error="", status=200):
    can_act = request.membership.has_role(Role.AGENT)
    if confirm_form is None and can_act and action.status == ShopActionStatus.WAITING_FOR_STAFF:
        confirm_form = ShopActionConfirmForm()
    action.message = staff_message(action)
    context = {
        "action": action,
        "payload": _pretty(action.payload),
        "result": _pretty(action.result) if action.result else "",
        "can_retry": can_act and action.status == ShopActionStatus.FAILED,
        "confirm_form": confirm_form,
        "error": error,
    }
    return render(request, "shop_actions/detail.html", context, status=status)


@staff_view()
def action_detail(request, pk):
    return _detail(request, selectors.shop_action_get(merchant=request.merchant, pk=pk))


@require_POST
@staff_view(Role.AGENT)
def action_retry(request, pk):
    action = selectors.shop_action_get(merchant=request.merchant, pk=pk)
    try:
        services.shop_action_retry(action=action)
    except services.ShopActionStateError as exc:
        return _detail(request, action, error=str(exc), status=409)
    messages.success(request, _("The action is being tried again."))
    return redirect("shop_actions:detail", pk=action.pk)


@require_POST
@staff_view(Role.AGENT)
def action_confirm(request, pk):
    action = selectors.shop_action_get(merchant=request.merchant, pk=pk)
    form = ShopActionConfirmForm(request.POST)
    if not form.is_valid():
        return _detail(request, action, confirm_form=form, status=400)
    try:
        services.shop_action_confirm(action=action, result=form.result(), confirmed_by=request.user)
    except services.ShopActionStateError as exc:
        return _detail(request, action, error=str(exc), status=409)
    messages.success(request, _("The action is marked as done."))
    return redirect("shop_actions:detail", pk=action.pk)
