"""The customer's link to their branded tracking page.

The token is signed with SECRET_KEY (django.core.signing, its own salt) and carries only the
merchant and order ids: it cannot be guessed or altered, and it reveals nothing but two
numbers. It stays valid for two years, longer than any delivery, return or warranty
question, so every email ever sent keeps working; rotating SECRET_KEY (without keeping the
old one in SECRET_KEY_FALLBACKS) invalidates all of them at once.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from flows.context_providers import EmailContextProvider

SALT = "tracking.page"
MAX_AGE = timedelta(days=730)
RECOMMENDATION_SALT = "tracking.recommendation"


class BadToken(Exception):  # noqa: N818 - named like flows.tokens.BadToken
    """The token is altered, forged, expired or malformed."""


def tracking_token(order) -> str:
    return signing.dumps({"m": order.merchant_id, "o": order.pk}, salt=SALT, compress=True)


def tracking_token_read(token: str) -> tuple[int, int]:
    """(merchant_id, order_id) of a valid token; BadToken otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise BadToken(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or not isinstance(data.get("o"), int):
        raise BadToken("malformed")
    return data["m"], data["o"]


def tracking_page_path(order) -> str:
    return reverse("tracking-public:page", kwargs={"token": tracking_token(order)})


def tracking_page_url(order) -> str:
    """Absolute URL of the order's branded tracking page, for emails and webhooks."""
    return f"{settings.SITE_URL}{tracking_page_path(order)}"


def tracking_link_provider():
    """`{{ tracking_url }}` in every email template: the order's branded tracking page."""
    return EmailContextProvider(
        "tracking_url",
        value=lambda order, language: tracking_page_url(order),
        sample=lambda merchant, language: f"{settings.SITE_URL}/track/sample/",
    )


def recommendation_token(*, merchant_id: int, order_id: int, product_id: int) -> str:
    """A suggestion's click link names our product row, never a URL: the redirect goes only to its stored page."""
    return signing.dumps({"m": merchant_id, "o": order_id, "p": product_id}, salt=RECOMMENDATION_SALT, compress=True)


def recommendation_token_read(token: str) -> tuple[int, int, int]:
    try:
        data = signing.loads(token, salt=RECOMMENDATION_SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:
        raise BadToken(str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("m", "o", "p")):
        raise BadToken("malformed")
    return data["m"], data["o"], data["p"]
