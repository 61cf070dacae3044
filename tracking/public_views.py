"""The customer's branded tracking page, the order look-up form, the "where is my order?" button
and suggestion clicks. No login: the page's link carries a signed token (tracking/tokens.py).
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalogue.models import Product, RecommendationRule
from catalogue.selectors import recommendations_for
from core.client_address import client_rate_key
from core.locale import customer_language, customer_time_zone
from core.rate_limits import RateLimit, too_many_attempts_message, too_many_requests
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.models import Order
from portal.links import BadLink, ExpiredLink, order_token_read
from portal.views import expired_link_response

from . import page_cache, selectors, services
from .forms import LookupForm, WismoForm
from .status import progress_labels
from .tokens import recommendation_token, recommendation_token_read, tracking_page_path

logger = logging.getLogger(__name__)

LANGUAGES = {code for code, _name in settings.LANGUAGES}
LOOKUPS_PER_CLIENT = RateLimit("tracking:lookup:client", limit=10, window=15 * 60)
# Per order number too: many clients trying one email after another on the same order.
LOOKUPS_PER_ORDER = RateLimit("tracking:lookup:order", limit=20, window=15 * 60)
# "Where is my order?" messages, each an email to the shop's support address.
CONTACTS_PER_ORDER = RateLimit("tracking:contact:order", limit=3, window=24 * 3600)
CONTACTS_PER_CLIENT = RateLimit("tracking:contact:client", limit=10, window=3600)
# Stand-ins for what differs between two views of the same page, filled in after rendering. Both are
# filled with the visitor's own values, so shop text that happened to contain one would reveal nothing.
TOKEN_SLOT = "__tracking_token_slot__"  # noqa: S105 - not a secret
CSRF_SLOT = "__csrf_token_slot__"  # noqa: S105 - not a secret


def _not_found(request):
    """Says nothing about whether an order exists behind the link."""
    return render(request, "tracking/public/not_found.html", status=404)


def _merchant_and_order_id(token: str) -> tuple[Merchant, int] | None:
    try:
        merchant_id, order_id = order_token_read(token)
    except BadLink:
        return None
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    return (merchant, order_id) if merchant is not None else None


def _language(request, *, order: Order, merchant: Merchant) -> str:
    return customer_language(merchant=merchant, order=order, asked=request.GET.get("lang", ""))


def _time_zone(order: Order, merchant: Merchant):
    return customer_time_zone(merchant=merchant, customer=order.customer if order.customer_id else None)


@require_http_methods(["GET", "HEAD"])
def tracking_page(request, token):
    try:
        merchant_id, order_id = order_token_read(token)
    except ExpiredLink as expired:
        return expired_link_response(request, expired.merchant_id)
    except BadLink:
        return _not_found(request)
    entry = page_cache.order_entry(merchant_id=merchant_id, order_id=order_id)
    if entry is None:
        return _not_found(request)
    order = entry.order
    merchant = order.merchant
    with merchant_scope(merchant):
        language = _language(request, order=order, merchant=merchant)
        tz = _time_zone(order, merchant)
        services.tracking_page_view_record(merchant=merchant, order=order, language=language)
        with translation.override(language), timezone.override(tz):
            html = _page_html(entry, language, tz, contact_sent=request.GET.get("contact") == "sent")
        page_cache.order_entry_save(entry)
    # A token we signed is made of URL- and HTML-safe characters only (base64url, ":" and "."), as is a CSRF
    # token: escaping changes nothing but keeps it so should the format change.
    html = html.replace(TOKEN_SLOT, escape(token)).replace(CSRF_SLOT, escape(get_token(request)))
    response = HttpResponse(html)
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _page_html(entry: page_cache.OrderEntry, language: str, tz, *, contact_sent: bool) -> str:
    """The whole page, with slots for the link's token and the visitor's CSRF token. Kept in the order's
    cache entry unless the shop shows suggestions, which are chosen on every view.

    Call with the customer's language and time zone active."""
    order, merchant = entry.order, entry.order.merchant
    suggests = order.recommendation_mode not in (None, RecommendationRule.Mode.OFF)
    name = ("page", language, str(tz), contact_sent)
    if not suggests and name in entry.parts:
        return entry.parts[name]
    timeline = _timeline(entry, language, tz)
    products = recommendations_for(order, items=timeline["purchased"]) if suggests else []
    context = {
        "merchant": merchant,
        "order": order,
        "token": TOKEN_SLOT,
        "csrf_token": CSRF_SLOT,
        "language": language,
        "timeline": mark_safe(timeline["html"]),  # noqa: S308 - rendered (and escaped) by _timeline
        "recommendations": [
            {"title": p.title, "image_url": p.image_url, "link": _recommendation_link(merchant.pk, order.pk, p.pk)}
            for p in products
        ],
        "contact_fields": _contact_fields(language),
        "contact_sent": contact_sent,
    }
    # Rendered without the request: the page reads nothing of it but the CSRF token, filled in per request.
    html = render_to_string("tracking/public/page.html", context)
    if not suggests:
        entry.add_part(name, html)
    return html


def _timeline(entry: page_cache.OrderEntry, language: str, tz) -> dict:
    """The page's shipments and items as HTML, plus what suggestions need, from the order's cache entry
    or the database. Call with the customer's language and time zone active."""
    name = ("timeline", language, str(tz))
    if name in entry.parts:
        html, purchased = entry.parts[name]
        return {"html": html, "purchased": [selectors.PurchasedItem(*item) for item in purchased]}
    data = selectors.tracking_page_data(merchant=entry.order.merchant, order=entry.order)
    context = {"steps": progress_labels(), **data}
    html = render_to_string("tracking/public/_timeline.html", context)
    entry.add_part(name, (html, [(item.product_id, item.product_type, item.tags) for item in data["purchased"]]))
    return {"html": html, "purchased": data["purchased"]}


@functools.lru_cache(maxsize=len(LANGUAGES))
def _contact_fields(language: str) -> str:
    """The contact form's fields, unbound, in `language`: the same markup on every page, so built once
    per process. The CSRF token is not part of it."""
    with translation.override(language):
        return WismoForm().as_p()


def _recommendation_link(merchant_id, order_id, product_id):
    product_token = recommendation_token(merchant_id=merchant_id, order_id=order_id, product_id=product_id)
    return reverse("tracking-public:recommendation", kwargs={"token": TOKEN_SLOT, "product_token": product_token})


@require_POST
def wismo_contact(request, token):
    found = _merchant_and_order_id(token)
    if found is None:
        return _not_found(request)
    merchant, order_id = found
    with merchant_scope(merchant):
        order = Order.objects.filter(merchant=merchant, pk=order_id).select_related("customer").first()
        if order is None:
            return _not_found(request)
        language = _language(request, order=order, merchant=merchant)
        form = WismoForm(request.POST)
        with translation.override(language):
            context = {"merchant": merchant, "token": token, "form": form, "language": language}
            if not form.is_valid():
                return render(request, "tracking/public/contact_invalid.html", context, status=400)
            wait = CONTACTS_PER_CLIENT.take(client_rate_key(request)) or CONTACTS_PER_ORDER.take(str(order.pk))
            if wait:
                now = timezone.now()
                context["error"] = _(
                    "The shop has already received several messages from you and will reply by email. "
                    "You can write again in %(wait)s."
                ) % {"wait": timeuntil(now + timedelta(seconds=wait), now, depth=1)}
                page = render(request, "tracking/public/contact_invalid.html", context, status=429)
                return too_many_requests(page, wait)
            services.wismo_contact_create(merchant=merchant, order=order, **form.cleaned_data)
    return redirect(f"{tracking_page_path(order)}?lang={language}&contact=sent#contact")


def recommendation_click(request, token, product_token):
    """Counts the click, then goes to the product page stored for this merchant: never to a URL from the link."""
    found = _merchant_and_order_id(token)
    try:
        merchant_id, order_id, product_id = recommendation_token_read(product_token)
    except BadLink:
        return _not_found(request)
    if found is None or found[0].pk != merchant_id or found[1] != order_id:
        return _not_found(request)
    merchant = found[0]
    with merchant_scope(merchant):
        order = Order.objects.filter(merchant=merchant, pk=order_id).first()
        product = Product.objects.filter(merchant=merchant, pk=product_id, active=True).exclude(url="").first()
        if order is None or product is None or not product.url.startswith(("https://", "http://")):
            return _not_found(request)
        services.recommendation_click_record(merchant=merchant, order=order, product=product)
    return HttpResponseRedirect(product.url)


def _lookup_language(request, merchant: Merchant | None) -> str:
    """A visitor we cannot name yet: ?lang=, then the browser's languages, then the shop's default."""
    asked, browser = request.GET.get("lang", ""), request.headers.get("Accept-Language", "")
    return customer_language(merchant=merchant, asked=asked, accept_language=browser)


def _lookup_render(request, context: dict, status: int = 200):
    """The look-up page, with links to itself in the other languages that keep the shop's branding."""
    language, shop = context["language"], context["shop"]
    context["other_languages"] = [
        (
            code,
            translation.get_language_info(code)["name_local"],
            "?" + urlencode({"shop": shop, "lang": code} if shop else {"lang": code}),
        )
        for code, _name in settings.LANGUAGES
        if code != language
    ]
    response = render(request, "tracking/public/lookup.html", context, status=status)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


@dataclass(frozen=True)
class LookupPage:
    """What a look-up form leads to: its wording and the customer's page it opens (tracking, returns...)."""

    title: str
    intro: str
    button: str
    destination: Callable[[Order], str]  # the order's page, once number and email match


TRACKING_LOOKUP = LookupPage(
    title=gettext_lazy("Track your order"),
    intro=gettext_lazy("Enter your order number and the email address you used when ordering."),
    button=gettext_lazy("Track my order"),
    destination=tracking_page_path,
)


@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request):
    return order_lookup(request, TRACKING_LOOKUP)


def order_lookup(request, page: LookupPage):
    """Order number + email. Opens the order's page only when both match; any other case gets the
    same answer, so the form cannot tell whether an order number exists. Limited per client and per
    order number, so nobody can try one email after another. With ?shop= the page wears the shop's
    branding; without, it is neutral. Either way it speaks the visitor's language."""
    shop_slug = request.GET.get("shop") or request.POST.get("shop") or ""
    merchant = Merchant.objects.filter(slug=shop_slug).first() if shop_slug else None
    language = _lookup_language(request, merchant)
    with translation.override(language):
        form = LookupForm(request.POST or None)
        context = {
            "form": form,
            "page": page,
            "merchant": merchant,
            "shop": merchant.slug if merchant else "",
            "language": language,
        }
        if request.method != "POST":
            return _lookup_render(request, context)
        wait = LOOKUPS_PER_CLIENT.take(client_rate_key(request)) or LOOKUPS_PER_ORDER.take(
            f"{shop_slug}:{request.POST.get('order_number', '').strip().lstrip('#').lower()[:64]}"
        )
        if wait:
            context["error"] = too_many_attempts_message(wait)
            return too_many_requests(_lookup_render(request, context, status=429), wait)
        if not form.is_valid():
            return _lookup_render(request, context, status=400)
        order = _order_for_lookup(merchant, form.cleaned_data["order_number"], form.cleaned_data["email"])
        if order is None:
            context["error"] = _(
                "We could not find an order with this number and email address. "
                "Check both against your order confirmation email."
            )
            return _lookup_render(request, context, status=404)
    return redirect(f"{page.destination(order)}?lang={language}")  # the language the visitor was reading


def _order_for_lookup(merchant: Merchant | None, number: str, email: str) -> Order | None:
    if merchant is not None:
        with merchant_scope(merchant):
            return selectors.order_by_number_and_email(merchant=merchant, number=number, email=email)
    # No shop named: look across shops, but only an exact number + email pair ever matches.
    with unscoped():
        numbers = {number.strip(), number.strip().lstrip("#"), "#" + number.strip().lstrip("#")}
        return (
            Order.objects.filter(number__in=numbers, email__iexact=email.strip())
            .select_related("merchant")
            .order_by("-placed_at")
            .first()
        )
