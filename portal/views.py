"""The customer portal: a shop's public entry (/p/<shop>/), a customer's own pages (/me/<token>/, /preferences/<token>/),
and the page an expired link opens, which emails a fresh one (docs/customer_links.md)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from core.client_address import client_rate_key
from core.locale import customer_language, customer_time_zone
from core.rate_limits import RateLimit, too_many_attempts_message, too_many_requests
from core.scoping import merchant_scope
from flows.public_views import preferences_page
from merchants.models import Merchant
from orders.models import Customer, Order

from . import tasks
from .forms import FreshLinkForm
from .links import BadLink, ExpiredLink, customer_token_read, order_token
from .sections import navigation

# Each request may email a customer: counted per visitor and per address so that neither a script
# nor a mistyped address fills an inbox.
FRESH_LINKS_PER_CLIENT = RateLimit("portal:fresh-link:client", limit=10, window=3600)
FRESH_LINKS_PER_ADDRESS = RateLimit("portal:fresh-link:address", limit=3, window=3600)
RECENT_ORDERS = 20


def _language(request, merchant, *, customer=None) -> str:
    asked, browser = request.GET.get("lang", ""), request.headers.get("Accept-Language", "")
    return customer_language(merchant=merchant, customer=customer, asked=asked, accept_language=browser)


def _render(request, template: str, context: dict, *, language: str, status: int = 200):
    with translation.override(language), merchant_scope(context["merchant"]):
        response = render(request, template, {**context, "language": language}, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    patch_vary_headers(response, ["Accept-Language"])
    return response


@require_http_methods(["GET", "HEAD"])
def shop_home(request, merchant_slug):
    merchant = get_object_or_404(Merchant, slug=merchant_slug)
    language = _language(request, merchant)
    context = {
        "merchant": merchant,
        "form": FreshLinkForm(),
        # The tracking app's public look-up: a customer finds an order by number and email, on a page
        # with the shop's branding and in the language of this one.
        "order_lookup_url": f"{reverse('tracking-public:lookup')}?{urlencode({'shop': merchant.slug, 'lang': language})}",
    }
    return _render(request, "portal/shop_home.html", context, language=language)


@require_http_methods(["GET", "HEAD", "POST"])
def fresh_link_request(request, merchant_slug):
    """Emails the customer a fresh link to their pages. The answer is the same whether the address
    is known or not, so the form cannot tell who shops here."""
    merchant = get_object_or_404(Merchant, slug=merchant_slug)
    language = _language(request, merchant)
    form = FreshLinkForm(request.POST or None)
    context = {"merchant": merchant, "form": form}
    if request.method != "POST":
        return _render(request, "portal/fresh_link_form.html", context, language=language)
    with translation.override(language):
        if not form.is_valid():
            return _render(request, "portal/fresh_link_form.html", context, language=language, status=400)
        address = form.cleaned_data["email"].strip().lower()
        wait = FRESH_LINKS_PER_CLIENT.take(client_rate_key(request)) or FRESH_LINKS_PER_ADDRESS.take(
            f"{merchant.pk}:{address}"
        )
        if wait:
            context["error"] = too_many_attempts_message(wait)
            page = _render(request, "portal/fresh_link_form.html", context, language=language, status=429)
            return too_many_requests(page, wait)
    tasks.fresh_link_send.delay(merchant_id=merchant.pk, address=address, language=language)
    return _render(
        request, "portal/fresh_link_sent.html", {"merchant": merchant, "address": address}, language=language
    )


def expired_link_response(request, merchant_id: int):
    """What an expired link opens: the shop's page offering to email a fresh link (status 410)."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise Http404
    context = {"merchant": merchant, "form": FreshLinkForm(), "expired": True}
    return _render(request, "portal/fresh_link_form.html", context, language=_language(request, merchant), status=410)


def _customer_or_response(request, token):
    """(merchant, customer) the link names, or the response to give instead."""
    try:
        merchant_id, customer_id = customer_token_read(token)
    except ExpiredLink as expired:
        return None, expired_link_response(request, expired.merchant_id)
    except BadLink:
        return None, render(request, "portal/link_invalid.html", status=404)
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    customer = None
    if merchant is not None:
        with merchant_scope(merchant):
            customer = Customer.objects.filter(pk=customer_id, redacted_at__isnull=True).first()
    if customer is None:  # the shop or the customer is gone (erased): the link names no one any more
        return None, render(request, "portal/link_invalid.html", status=404)
    return (merchant, customer), None


def _customer_page_context(request, token, merchant, customer, current: str) -> tuple[dict, str]:
    language = _language(request, merchant, customer=customer)
    nav = navigation(scope="customer", merchant=merchant, token=token, current=current, query=f"?lang={language}")
    return {"merchant": merchant, "customer": customer, "token": token, "portal_nav": nav}, language


@require_http_methods(["GET", "HEAD"])
def customer_home(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    context, language = _customer_page_context(request, token, merchant, customer, "me")
    with merchant_scope(merchant):
        orders = list(Order.objects.filter(customer=customer, test=False).order_by("-placed_at")[:RECENT_ORDERS])
    context["orders"] = [{"order": order, "url": _order_url(order, language)} for order in orders]
    with timezone.override(customer_time_zone(merchant=merchant, customer=customer)):
        return _render(request, "portal/customer_home.html", context, language=language)


def _order_url(order, language: str) -> str:
    return f"{reverse('tracking-public:page', kwargs={'token': order_token(order)})}?lang={language}"


@require_http_methods(["GET", "HEAD", "POST"])
def customer_preferences(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    context, language = _customer_page_context(request, token, merchant, customer, "preferences")
    if not customer.email:
        return render(request, "portal/link_invalid.html", status=404)
    return preferences_page(
        request, merchant=merchant, address=customer.email, language=language, extra_context=context
    )
