"""Review links: one signed link per invitation and destination, resolved to the shop's URL at click time.

The token carries ids and the destination's name, never a URL: `/r/<token>/` can only ever send
to what the shop configured (no open redirect), and a shop that changes its Google link sends old
links to the new one.

An invitation is named by a key: "response:<id>" (the thank-you page after a survey answer),
"order:<id>" or "customer:<id>" (an email). Clicks are counted per key and destination.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalogue.models import Product
from orders.models import LineItem

from .models_reviews import Destination, ReviewSettings

SALT = "feedback.review-link"
MAX_AGE = timedelta(days=730)  # as long as an order link: review emails are read late

LINK_LABELS = {
    Destination.GOOGLE: _("Review us on Google"),
    Destination.TRUSTPILOT: _("Review us on Trustpilot"),
    Destination.PRODUCT: _("Review the product on our shop"),
    Destination.APP: _("Write a review"),
}


class BadReviewLink(Exception):  # noqa: N818 - reads as "raise BadReviewLink"
    """Altered, forged, expired or malformed."""


@dataclass(frozen=True)
class LinkTarget:
    merchant_id: int
    destination: str
    key: str
    order_id: int | None
    customer_id: int | None


def review_token(target: LinkTarget) -> str:
    data = {"m": target.merchant_id, "d": target.destination, "k": target.key}
    if target.order_id:
        data["o"] = target.order_id
    if target.customer_id:
        data["c"] = target.customer_id
    return signing.dumps(data, salt=SALT, compress=True)


def review_token_read(token: str) -> LinkTarget:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is one too
        raise BadReviewLink(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or data.get("d") not in Destination.values:
        raise BadReviewLink("malformed")
    ids = [data.get(name) for name in ("o", "c")]
    if not isinstance(data.get("k"), str) or not all(value is None or isinstance(value, int) for value in ids):
        raise BadReviewLink("malformed")
    return LinkTarget(data["m"], data["d"], data["k"], *ids)


def settings_of(merchant_id: int) -> ReviewSettings | None:
    return ReviewSettings._base_manager.filter(merchant_id=merchant_id).select_related("merchant").first()


def destination_url(row: ReviewSettings | None, destination: str, order_id: int | None) -> str:
    """Where the destination sends now, or "" when the shop no longer offers it (or has no page for it)."""
    if row is None or destination not in (row.shown or []):
        return ""
    if destination == Destination.GOOGLE:
        return row.google_url
    if destination == Destination.TRUSTPILOT:
        return row.trustpilot_url
    if destination == Destination.APP:
        return row.app_url
    return product_page_url(row.merchant_id, order_id) if order_id else ""


def product_page_url(merchant_id: int, order_id: int) -> str:
    """The page on the shop of the order's first product that has one (catalogue), else ""."""
    lines = LineItem._base_manager.filter(merchant_id=merchant_id, order_id=order_id).exclude(product_id="")
    product_ids = list(lines.order_by("id").values_list("product_id", flat=True))
    products = Product._base_manager.filter(merchant_id=merchant_id, product_id__in=product_ids).exclude(url="")
    pages = dict(products.values_list("product_id", "url"))
    return next((pages[product_id] for product_id in product_ids if product_id in pages), "")


def review_links(*, merchant_id: int, key: str, order_id: int | None, customer_id: int | None) -> list[dict]:
    """The invitation's links, one per destination the shop shows and can send to: plain data.

    The same list whatever the customer thinks of the shop: nothing here reads a score.
    """
    row = settings_of(merchant_id)
    links = []
    for destination in row.shown if row else []:
        if not destination_url(row, destination, order_id):
            continue
        token = review_token(LinkTarget(merchant_id, destination, key, order_id, customer_id))
        links.append(
            {
                "destination": destination,
                "label": str(LINK_LABELS[Destination(destination)]),
                "url": f"{settings.SITE_URL}{reverse('review-click', kwargs={'token': token})}",
            }
        )
    return links


def response_subject(response) -> tuple[str, int | None, int | None]:
    """(key, order_id, customer_id) of a survey answer: its own `order_id`/`customer_id`, or its
    invitation's when the answer does not carry them."""
    holder = response if hasattr(response, "order_id") else getattr(response, "invitation", None)
    return (
        f"response:{response.pk}",
        getattr(holder, "order_id", None),
        getattr(holder, "customer_id", None),
    )
