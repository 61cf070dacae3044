"""The dashboard's inbound webhook pages: every delivery a shop or provider sent, as received."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from .inbound import delivery_replay
from .models import WebhookDelivery

Status = WebhookDelivery.Status


@staff_view(Role.VIEWER)
def delivery_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    deliveries = WebhookDelivery.objects.filter(merchant=request.merchant).defer("body", "headers")
    if status in Status.values:
        deliveries = deliveries.filter(status=status)
    if source:
        deliveries = deliveries.filter(source=source)
    page = Paginator(deliveries.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/delivery_list.html",
        {
            "page": page,
            "status": status,
            "source": source,
            "statuses": Status.choices,
            "can_replay": _can(request),
            "can_export": _can(request, Role.ADMIN),
        },
    )


def _can(request, role=Role.AGENT) -> bool:
    return request.membership.has_role(role)


@staff_view(Role.VIEWER)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_merchant(WebhookDelivery, merchant=request.merchant, pk=pk)
    return render(
        request,
        "integrations/delivery_detail.html",
        {"delivery": delivery, "body": readable_body(delivery.body), "can_replay": _can(request)},
    )


def readable_body(body: str) -> str:
    """The body indented for reading; as stored when it is not JSON we can show as UTF-8 text.

    Stored bodies are valid UTF-8, but their JSON escapes may stand for text that is not (a lone
    "\\ud800" escape, accepted before the doors refused it), and a deeply nested one cannot be
    indented: either would otherwise fail the page.
    """
    try:
        indented = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        indented.encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return body
    return indented


@require_POST
@staff_view(Role.AGENT)
def delivery_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_merchant(WebhookDelivery, merchant=request.merchant, pk=pk)
    delivery_replay(merchant=request.merchant, delivery=delivery)
    messages.success(request, _("The delivery was queued to be processed again."))
    return redirect("integrations:webhook-detail", pk=delivery.pk)
