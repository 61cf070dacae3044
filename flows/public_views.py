"""Customer-facing pages reached from emails: unsubscribe, preferences, tracked links.

No login: each link carries a signed token (flows/tokens.py). A bad or expired token
shows a friendly page and changes nothing.
"""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from core.locale import customer_language, supported_language
from merchants.models import Merchant

from . import selectors, services
from .tokens import InvalidLinkError, click_token_read, preference_token_read


def _invalid(request, status=400):
    return render(request, "flows/public/invalid_link.html", status=status)


def _render(request, template: str, context: dict, status: int = 200, language: str | None = None):
    """In the language of the customer the address belongs to (the switcher's ?lang= first)."""
    if language is None:
        merchant, address = context["merchant"], context["address"]
        language = customer_language(
            merchant=merchant,
            order=selectors.latest_order_to(merchant=merchant, address=address),
            asked=request.GET.get("lang", ""),
            accept_language=request.headers.get("Accept-Language", ""),
        )
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    return response


def _read_preference_token(token):
    data = preference_token_read(token)
    merchant = Merchant.objects.filter(pk=data["m"]).first()
    if merchant is None:
        raise InvalidLinkError("unknown merchant")
    return merchant, data["a"], data.get("s")


def _test_link(request, token) -> HttpResponse | None:
    """The page a link of a "send me a test" email opens, whatever the method: it changes nothing. None for
    the links of real emails."""
    if preference_token_read(token).get("t") != 1:
        return None
    merchant = _read_preference_token(token)[0]
    return render(request, "flows/public/test_link.html", {"merchant": merchant})


@csrf_exempt  # RFC 8058: the one-click POST carries no cookie, so no CSRF token can exist
def unsubscribe(request, token):
    """GET shows a confirmation (never unsubscribes: link scanners prefetch). POST unsubscribes.

    The POST comes from the mailbox provider (body "List-Unsubscribe=One-Click", urlencoded or
    multipart) or from the confirmation button. It answers 200 and never redirects.
    """
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        merchant, address, scheduled_id = _read_preference_token(token)
        test_page = _test_link(request, token)
    except InvalidLinkError:
        return _invalid(request)
    if test_page is not None:
        return test_page
    context = {"merchant": merchant, "address": address, "token": token}
    if request.method == "POST":
        services.marketing_unsubscribe(merchant=merchant, address=address, scheduled_id=scheduled_id)
        return _render(request, "flows/public/unsubscribed.html", context)
    return _render(request, "flows/public/unsubscribe_confirm.html", context)


def preferences(request, token):
    try:
        merchant, address, scheduled_id = _read_preference_token(token)
        test_page = _test_link(request, token)
    except InvalidLinkError:
        return _invalid(request)
    if test_page is not None:
        return test_page
    return preferences_page(request, merchant=merchant, address=address, scheduled_id=scheduled_id)


def preferences_page(request, *, merchant, address, scheduled_id=None, language=None, extra_context=None):
    """Marketing emails on or off for one address; changes apply to the very next message.

    Shown by the preference link of every email and by the customer portal's preferences section."""
    context = {"merchant": merchant, "address": address, **(extra_context or {})}
    if request.method == "POST":
        choice = request.POST.get("marketing")
        if choice not in ("on", "off"):
            context["error"] = True
            context["subscribed"] = selectors.marketing_subscribed(merchant=merchant, address=address)
            return _render(request, "flows/public/preferences.html", context, status=400, language=language)
        services.marketing_preference_set(
            merchant=merchant, address=address, subscribed=choice == "on", scheduled_id=scheduled_id
        )
        asked = request.GET.get("lang", "")
        return redirect(f"{request.path}?saved=1" + (f"&lang={asked}" if supported_language(asked) else ""))
    context["saved"] = request.GET.get("saved") == "1"
    context["subscribed"] = selectors.marketing_subscribed(merchant=merchant, address=address)
    return _render(request, "flows/public/preferences.html", context, language=language)


def click(request, token):
    """A tracked link: records the click, then sends the customer on, only to the shop's own domains."""
    try:
        data = click_token_read(token)
    except InvalidLinkError:
        return _invalid(request)
    message = services.click_message(scheduled_id=data["s"])
    if message is None:
        return _invalid(request, status=404)
    if not services.click_record(message=message, url=data["u"]):
        return _invalid(request)
    response = HttpResponse(status=302)
    response["Location"] = data["u"]
    response["Referrer-Policy"] = "no-referrer"
    return response
