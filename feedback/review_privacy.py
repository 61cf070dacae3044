"""Reviews and review clicks in personal-data exports and erasure (orders/privacy.py).

Erasure deletes the subject's reported reviews and clicks (the shop's accounts need neither) and
blanks the review's address in the `review.reported` events left on their orders.
"""

from django.db.models import Q

from orders.models import OrderEvent

from .models_reviews import Review, ReviewClick
from .review_payloads import click_data, review_data


def _of(subject, model):
    rows = model.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return rows
    return rows.filter(Q(order_id__in=subject.order_ids) | Q(customer_id__in=subject.customer_ids))


def export_reviews(subject) -> dict:
    return {
        "reviews": [review_data(review) for review in _of(subject, Review).order_by("created_at", "id")],
        "clicks": [click_data(click) for click in _of(subject, ReviewClick).order_by("first_clicked_at", "id")],
    }


def erase_reviews(subject) -> int:
    events = OrderEvent.objects.filter(
        merchant=subject.merchant,
        order_id__in=_of(subject, Review).exclude(order=None).values("order_id"),
        kind="review.reported",
    )
    changed = [event for event in events.only("pk", "payload") if (event.payload or {}).get("url")]
    for event in changed:
        event.payload = {**event.payload, "url": ""}
    OrderEvent.objects.bulk_update(changed, ["payload"], batch_size=500)
    return _of(subject, Review).delete()[0] + _of(subject, ReviewClick).delete()[0] + len(changed)
