"""Dashboard pages of outbound webhooks, under /app/settings/webhooks/ (admins)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from . import services
from .forms import WebhookEndpointForm
from .models import OutboundAttempt, OutboundMessage, WebhookEndpoint

NEW_SECRET_SESSION_KEY = "merchants.new_webhook_secret"  # noqa: S105 - a session key name
DELIVERIES_PER_PAGE = 25


def _show_secret_once(request, endpoint, secret):
    """Kept in the session for exactly one page view, then forgotten."""
    request.session[NEW_SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": secret}
    return redirect("webhooks:secret", pk=endpoint.pk)


@staff_view(Role.ADMIN)
def endpoint_list(request):
    endpoints = WebhookEndpoint.objects.annotate(
        failed_count=Count("messages", filter=Q(messages__status=OutboundMessage.Status.FAILED)),
        pending_count=Count("messages", filter=Q(messages__status=OutboundMessage.Status.PENDING)),
    ).order_by("created_at", "id")
    return render(request, "outbound/list.html", {"endpoints": endpoints})


@staff_view(Role.ADMIN)
def endpoint_create(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.endpoint_create(merchant=request.merchant, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            messages.success(request, _("Endpoint added."))
            return _show_secret_once(request, issued.endpoint, issued.secret)
    status = 400 if form.errors else 200
    return render(request, "outbound/create.html", {"form": form}, status=status)


@staff_view(Role.ADMIN)
def endpoint_secret(request, pk):
    endpoint = get_for_merchant(WebhookEndpoint, merchant=request.merchant, pk=pk)
    shown = request.session.get(NEW_SECRET_SESSION_KEY)
    if not shown or shown.get("id") != endpoint.pk:
        return redirect("webhooks:detail", pk=endpoint.pk)
    del request.session[NEW_SECRET_SESSION_KEY]
    response = render(request, "outbound/secret.html", {"endpoint": endpoint, "secret": shown["secret"]})
    response["Cache-Control"] = "no-store"
    return response


@staff_view(Role.ADMIN)
def endpoint_detail(request, pk):
    """The endpoint's settings (editable) and its delivery log."""
    endpoint = get_for_merchant(WebhookEndpoint, merchant=request.merchant, pk=pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:detail", pk=endpoint.pk)
    deliveries = OutboundMessage.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
    wanted = request.GET.get("status", "")
    if wanted in OutboundMessage.Status.values:
        deliveries = deliveries.filter(status=wanted)
    page = Paginator(deliveries.annotate(attempts_made=Count("attempts")), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "status_filter": wanted,
        "statuses": OutboundMessage.Status.choices,
    }
    return render(request, "outbound/detail.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view(Role.ADMIN)
def endpoint_toggle(request, pk):
    endpoint = get_for_merchant(WebhookEndpoint, merchant=request.merchant, pk=pk)
    if endpoint.is_active:
        services.endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
        messages.success(request, _("Endpoint disabled: nothing is sent to it until you enable it again."))
    else:
        services.endpoint_enable(endpoint=endpoint)
        messages.success(request, _("Endpoint enabled: new events are sent to it again."))
    return redirect("webhooks:detail", pk=endpoint.pk)


@require_POST
@staff_view(Role.ADMIN)
def endpoint_rotate_secret(request, pk):
    endpoint = get_for_merchant(WebhookEndpoint, merchant=request.merchant, pk=pk)
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    messages.success(request, _("New secret issued. The previous one keeps signing for 24 hours."))
    return _show_secret_once(request, endpoint, secret)


@staff_view(Role.ADMIN)
def endpoint_delete(request, pk):
    endpoint = get_for_merchant(WebhookEndpoint, merchant=request.merchant, pk=pk)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Endpoint deleted with its delivery log."))
        return redirect("webhooks:index")
    return render(request, "outbound/delete.html", {"endpoint": endpoint})


@staff_view(Role.ADMIN)
def delivery_detail(request, pk):
    message = get_for_merchant(OutboundMessage, merchant=request.merchant, pk=pk)
    attempts = OutboundAttempt.objects.filter(message=message).order_by("attempted_at", "id")
    body = json.dumps(json.loads(message.body), indent=2, ensure_ascii=False)
    return render(request, "outbound/delivery.html", {"message": message, "attempts": attempts, "pretty_body": body})


@require_POST
@staff_view(Role.ADMIN)
def delivery_resend(request, pk):
    message = get_for_merchant(OutboundMessage, merchant=request.merchant, pk=pk)
    try:
        services.message_resend(message=message)
    except (ValidationError, services.DeliveryInProgressError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The delivery is being sent again."))
    return redirect("webhooks:delivery", pk=message.pk)
