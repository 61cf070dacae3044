"""The customer portal shell at /p/<merchant>/, branded from the merchant's settings."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from core.scoping import merchant_scope

from .models import LANGUAGE_CHOICES, Merchant

SUPPORTED_LANGUAGES = {code for code, _name in LANGUAGE_CHOICES}


def customer_language(request, merchant: Merchant) -> str:
    """?lang= first, then the browser's Accept-Language, then the merchant's default language."""
    asked = request.GET.get("lang", "").lower()
    if asked in SUPPORTED_LANGUAGES:
        return asked
    return preferred_language(request.headers.get("Accept-Language", "")) or merchant.default_language


def preferred_language(header: str) -> str | None:
    """The supported language the Accept-Language header ranks highest, if any."""
    ranked = []
    for position, item in enumerate(header.split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in SUPPORTED_LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def portal_home(request, merchant_slug):
    merchant = get_object_or_404(Merchant, slug=merchant_slug)
    language = customer_language(request, merchant)
    context = {
        "merchant": merchant,
        # The tracking app's public look-up: a customer finds an order by number and email, on a page
        # with the shop's branding and in the language of this one.
        "order_lookup_url": f"{reverse('tracking-public:lookup')}?{urlencode({'shop': merchant.slug, 'lang': language})}",
    }
    with translation.override(language), merchant_scope(merchant):
        response = render(request, "merchants/portal/home.html", context)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response
