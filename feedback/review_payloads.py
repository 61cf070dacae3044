"""Reviews and clicks as the API, the events and outbound webhooks show them: one shape each."""

from .models_reviews import Review, ReviewClick


def review_data(review: Review) -> dict:
    return {
        "id": review.pk,
        "order_id": review.order_id,
        "customer_id": review.customer_id,
        "product_id": review.product_id,
        "rating": review.rating,
        "platform": review.platform,
        "external_id": review.external_id,
        "url": review.url,
        "created_at": review.created_at.isoformat(),
        "reported_at": review.reported_at.isoformat(),
    }


def click_data(click: ReviewClick) -> dict:
    return {
        "id": click.pk,
        "invitation": click.key,
        "destination": click.destination,
        "order_id": click.order_id,
        "customer_id": click.customer_id,
        "first_clicked_at": click.first_clicked_at.isoformat(),
    }
