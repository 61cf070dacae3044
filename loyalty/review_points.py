"""Points for a review, on feedback's `review.reported` event (subscribed in apps.py).

The shop sets the points (LoyaltySettings.review_points; 0, the default: none). A customer earns
them once per product (the key names the customer and the product; a review of the shop itself,
with no product, counts as one more "product"), available at once, and only:

- for a review on the shop's own site or through its review app (platforms `shop`, `judgeme` and
  `other`, which stands for the shop's other review app such as Yotpo). Never for Google or
  Trustpilot: both forbid any incentive for a review, loyalty points included
  (wire_formats_2.md §6.1, §6.2);
- whatever the rating: the rating is never read, so the points cannot depend on what the review
  says (16 CFR 465.4 forbids incentives conditioned on a review's sentiment).

A publishing batch reads each shop's setting once per pass and the batch's customers in one query;
only a review that earns writes (its entry, its event), as an order's points do.
"""

from core.scoping import merchant_scope, unscoped
from feedback.models_reviews import Platform
from orders.events import batch_memo, publish_memo
from orders.models import Customer, OrderEvent

from .models import LoyaltySettings, Source
from .services import points_grant

REVIEW_REPORTED = "review.reported"
EARNING_PLATFORMS = frozenset({Platform.SHOP, Platform.JUDGEME, Platform.OTHER})
SHOP_REVIEW = "shop"  # what the key names when the review is about the shop, not a product


def review_key(customer_id: int, product_id: str) -> str:
    return f"review:{customer_id}:{product_id or SHOP_REVIEW}"


def on_review_reported(event: OrderEvent) -> None:
    points = _review_points(event.merchant_id)
    review = event.payload or {}
    if not points or review.get("platform") not in EARNING_PLATFORMS or not review.get("customer_id"):
        return
    customer = batch_memo(("loyalty-review-customers",), _customers_of, event).get(review["customer_id"])
    if customer is None or customer.merchant_id != event.merchant_id or customer.redacted_at is not None:
        return
    with merchant_scope(event.merchant):
        points_grant(
            merchant=event.merchant,
            customer=customer,
            points=points,
            source=Source.REVIEW,
            key=review_key(customer.pk, review.get("product_id") or ""),
        )


def _review_points(merchant_id: int) -> int:
    """The shop's points for a review while its program is on (0: none), read once per publishing pass."""

    def read() -> int:
        with unscoped():
            found = LoyaltySettings.objects.filter(merchant_id=merchant_id, enabled=True).values_list(
                "review_points", flat=True
            )
            return found.first() or 0

    return publish_memo(("loyalty-review-points", merchant_id), read)


def _customers_of(events: list[OrderEvent]) -> dict[int, Customer]:
    """The customers of the batch's reviews (of every shop in it: each is checked against its event), in one query."""
    ids = {(event.payload or {}).get("customer_id") for event in events if event.kind == REVIEW_REPORTED}
    with unscoped():
        return Customer.objects.in_bulk(ids - {None})
