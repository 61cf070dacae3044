"""The review events (core.event_kinds) and where people read them.

`review.clicked` and `review.reported` are events of their order when there is one, so the order's
timeline shows them. A click or a review that names only a customer (an NPS answer, a review
reported by customer_id) has no order: the customer's page lists those rows itself
(`customer_review_entries`), and outbound webhooks get the event like any other.
"""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_detail, event_kind_register, event_label
from orders.selectors import CUSTOMER_TIMELINE_LENGTH, TimelineEntry

from .models_reviews import Destination, Platform, Review, ReviewClick
from .review_payloads import click_data, review_data


def _payload(event) -> dict:
    return event.payload


def _clicked_detail(payload: dict) -> str:
    destination = payload.get("destination", "")
    return str(Destination(destination).label) if destination in Destination.values else destination


def _reported_detail(payload: dict) -> str:
    platform = payload.get("platform", "")
    name = str(Platform(platform).label) if platform in Platform.values else platform
    return f"{payload.get('rating', '?')}/5 · {name}"


REVIEW_EVENT_KINDS = [
    EventKind(
        "review.clicked",
        _("Review link clicked"),
        _("A review invitation's link was opened for the first time (by the customer or their mail scanner)."),
        _payload,
        _clicked_detail,
    ),
    EventKind(
        "review.reported",
        _("Review reported"),
        _("The shop or its review app reported a review the customer wrote."),
        _payload,
        _reported_detail,
    ),
]


def register() -> None:
    for entry in REVIEW_EVENT_KINDS:
        event_kind_register(entry)


def customer_review_entries(customer) -> list[TimelineEntry]:
    """The customer's reviews and first clicks that name no order, newest first."""
    reviews = Review.objects.filter(merchant_id=customer.merchant_id, customer=customer, order__isnull=True)
    clicks = ReviewClick.objects.filter(merchant_id=customer.merchant_id, customer=customer, order__isnull=True)
    entries = [
        _entry("review.reported", review.reported_at, review_data(review))
        for review in reviews.order_by("-reported_at", "-id")[:CUSTOMER_TIMELINE_LENGTH]
    ]
    entries += [
        _entry("review.clicked", click.first_clicked_at, click_data(click))
        for click in clicks.order_by("-first_clicked_at", "-id")[:CUSTOMER_TIMELINE_LENGTH]
    ]
    return entries


def _entry(kind: str, occurred_at, payload: dict) -> TimelineEntry:
    return TimelineEntry(
        occurred_at=occurred_at,
        kind=kind,
        label=event_label(kind),
        detail=event_detail(kind, payload),
        source="reviews",
        payload=payload,
    )
