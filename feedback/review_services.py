"""Writes of the review part: the shop's destinations, counting a click, recording a reported review."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.events import event_record
from orders.models import Customer, Order

from .models_reviews import Review, ReviewClick, ReviewSettings
from .review_links import LinkTarget
from .review_payloads import click_data, review_data


def review_settings_save(*, merchant: Merchant, values: dict) -> ReviewSettings:
    with merchant_scope(merchant), transaction.atomic():
        row, _created = ReviewSettings.objects.update_or_create(merchant=merchant, defaults=values)
    return row


def review_click_record(*, merchant: Merchant, target: LinkTarget) -> ReviewClick:
    """Count one click; the first click of an invitation's link to a destination records `review.clicked`.

    Safe under double clicks and parallel scanner requests: the row is unique per link, a second
    insert fails inside its savepoint and counts on the first row instead.
    """
    now = timezone.now()
    with merchant_scope(merchant), transaction.atomic():
        link = {"merchant": merchant, "key": target.key, "destination": target.destination}
        if ReviewClick.objects.filter(**link).update(clicks=F("clicks") + 1, last_clicked_at=now):
            return ReviewClick.objects.get(**link)
        order = Order.objects.filter(merchant=merchant, pk=target.order_id).first() if target.order_id else None
        customer = (
            Customer.objects.filter(merchant=merchant, pk=target.customer_id).first() if target.customer_id else None
        )
        try:
            with transaction.atomic():
                click = ReviewClick.objects.create(
                    **link, order=order, customer=customer, first_clicked_at=now, last_clicked_at=now
                )
        except IntegrityError:  # the same link clicked at the same moment: that one recorded the event
            ReviewClick.objects.filter(**link).update(clicks=F("clicks") + 1, last_clicked_at=now)
            return ReviewClick.objects.get(**link)
        event_record(merchant=merchant, kind="review.clicked", order=order, payload=click_data(click))
    return click


class ReviewConflictError(Exception):
    """The review's platform and id were reported before with other data."""

    def __init__(self, review: Review, fields: list[str]):
        super().__init__(f"This review was already reported with another {', '.join(fields)}.")
        self.review = review
        self.fields = fields


@dataclass(frozen=True)
class ReviewInput:
    order: Order | None
    customer: Customer | None
    product_id: str
    rating: int
    platform: str
    external_id: str
    url: str
    created_at: datetime


def review_report(*, merchant: Merchant, data: ReviewInput) -> tuple[Review, bool]:
    """Record a review once per (platform, external_id): (the review, whether it is new).

    Sending the same review again changes nothing; the same id with other data raises ReviewConflictError
    (the first report stands: loyalty may already have rewarded it).
    """
    customer = data.customer or (data.order.customer if data.order else None)
    values = {
        "order": data.order,
        "customer": customer,
        "product_id": data.product_id,
        "rating": data.rating,
        "url": data.url,
        "created_at": data.created_at,
    }
    with merchant_scope(merchant), transaction.atomic():
        identity = {"merchant": merchant, "platform": data.platform, "external_id": data.external_id}
        try:
            with transaction.atomic():
                review = Review.objects.create(**identity, **values)
        except IntegrityError:
            existing = Review.objects.get(**identity)
            _check_same(existing, values)
            return existing, False
        event_record(merchant=merchant, kind="review.reported", order=data.order, payload=review_data(review))
    return review, True


API_NAMES = {"order": "order_id", "customer": "customer_id"}


def _check_same(existing: Review, values: dict) -> None:
    changed = [API_NAMES.get(name, name) for name, value in values.items() if getattr(existing, name) != value]
    if changed:
        raise ReviewConflictError(existing, changed)
