"""Customer-facing pages reached from emails: unsubscribe, preferences, tracked links.

No login: each link carries a signed token (flows/tokens.py). A bad or expired token
shows a friendly page and changes nothing.
"""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from merchants.models import Merchant

from . import selectors, services
from .tokens import InvalidLinkError, click_token_read, preference_token_read


def _invalid(request, status=400):
    return render(request, "flows/public/invalid_link.html", status=status)


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
        return render(request, "flows/public/unsubscribed.html", context)
    return render(request, "flows/public/unsubscribe_confirm.html", context)


def preferences(request, token):
    """Marketing emails on or off. Changes apply to the very next message."""
    try:
        merchant, address, scheduled_id = _read_preference_token(token)
        test_page = _test_link(request, token)
    except InvalidLinkError:
        return _invalid(request)
    if test_page is not None:
        return test_page
    if request.method == "POST":
        choice = request.POST.get("marketing")
        if choice not in ("on", "off"):
            context = {"merchant": merchant, "address": address, "token": token, "error": True}
            context["subscribed"] = selectors.marketing_subscribed(merchant=merchant, address=address)
            return render(request, "flows/public/preferences.html", context, status=400)
        services.marketing_preference_set(
            merchant=merchant, address=address, subscribed=choice == "on", scheduled_id=scheduled_id
        )
        return redirect(f"{request.path}?saved=1")
    context = {
        "merchant": merchant,
        "address": address,
        "token": token,
        "saved": request.GET.get("saved") == "1",
        "subscribed": selectors.marketing_subscribed(merchant=merchant, address=address),
    }
    return render(request, "flows/public/preferences.html", context)


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
