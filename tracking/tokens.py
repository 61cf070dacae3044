"""The customer's link to their branded tracking page: the order link of the customer portal.

Its token is `portal.links`' order token (merchant and order ids, signed, two years): see
docs/customer_links.md for the scheme, lifetimes and rotation.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from flows.context_providers import EmailContextProvider
from portal.links import ORDER_MAX_AGE, BadLink, order_token

RECOMMENDATION_SALT = "tracking.recommendation"


def tracking_page_path(order) -> str:
    return reverse("tracking-public:page", kwargs={"token": order_token(order)})


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
        data = signing.loads(token, salt=RECOMMENDATION_SALT, max_age=ORDER_MAX_AGE)
    except signing.BadSignature as exc:
        raise BadLink(str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("m", "o", "p")):
        raise BadLink("malformed")
    return data["m"], data["o"], data["p"]
