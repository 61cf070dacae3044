"""The demo shops' tracking pages as their customers used them: views of each shipped order's page while
its parcel travelled, and a few "where is my order?" questions asked from it, so the WISMO figures and
the self-service deflection (page views per shipped order) have a history.

Both are rows written with the dates they happened on: a view is nothing but its row (the page's service
only buffers it), and a past question must not email the shop's support address now, as
`wismo_contact_create` does. A shop that already has views is left alone: a second run adds nothing.
"""

from datetime import timedelta

from core.scoping import merchant_scope

from .models import Shipment, ShipmentDirection, TrackingPageView, WismoContact

# Views of one shipped order's page: most customers look once or twice, some every day, some never.
VIEWS = (0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 4, 6)
ASKED_SHARE = 0.012  # of shipped orders, below the helpdesk's share (support/demo_data.py)
REASONS = {  # what a customer asks, by where the parcel was when they asked
    "delivered": (WismoContact.Reason.MARKED_DELIVERED, WismoContact.Reason.DAMAGED),
    "travelling": (WismoContact.Reason.NO_NEWS, WismoContact.Reason.LATE, WismoContact.Reason.OTHER),
}
MESSAGES = {
    "fr": "Bonjour, pourriez-vous me dire où en est mon colis ? Merci.",
    "en": "Hello, could you tell me where my parcel is? Thank you.",
}


def seed_demo(context) -> None:
    merchant = context.merchant
    with merchant_scope(merchant):
        if TrackingPageView.objects.exists():
            return
        rng = context.rng("tracking")
        views, questions = [], []
        for shipment in _first_shipments(merchant):
            views += _views(merchant, shipment, rng, context.now)
            if rng.random() < ASKED_SHARE:
                questions.append(_question(merchant, shipment, rng, context.now))
        TrackingPageView.objects.bulk_create(views, batch_size=500)
        WismoContact.objects.bulk_create(questions)


def _first_shipments(merchant) -> list[Shipment]:
    shipments = (
        Shipment.objects.filter(merchant=merchant, direction=ShipmentDirection.OUTBOUND, shipped_at__isnull=False)
        .select_related("order")
        .order_by("order_id", "shipped_at", "pk")
    )
    firsts = {}
    for shipment in shipments:
        firsts.setdefault(shipment.order_id, shipment)
    return list(firsts.values())


def _travel_end(shipment, now):
    """Until two days after delivery, or a week after shipping for a parcel still on its way."""
    end = (
        shipment.delivered_at + timedelta(days=2) if shipment.delivered_at else shipment.shipped_at + timedelta(days=7)
    )
    return min(end, now)


def _moment(shipment, rng, now):
    span = (_travel_end(shipment, now) - shipment.shipped_at).total_seconds()
    return shipment.shipped_at + timedelta(seconds=rng.uniform(0, max(span, 0)))


def _views(merchant, shipment, rng, now) -> list[TrackingPageView]:
    language = shipment.order.language or merchant.default_language
    return [
        TrackingPageView(
            merchant=merchant, order=shipment.order, language=language, viewed_at=_moment(shipment, rng, now)
        )
        for _view in range(rng.choice(VIEWS))
    ]


def _question(merchant, shipment, rng, now) -> WismoContact:
    asked_at = _moment(shipment, rng, now)
    delivered = shipment.delivered_at is not None and shipment.delivered_at <= asked_at
    language = "fr" if (shipment.order.language or merchant.default_language) == "fr" else "en"
    return WismoContact(
        merchant=merchant,
        order=shipment.order,
        reason=rng.choice(REASONS["delivered" if delivered else "travelling"]),
        message=MESSAGES[language] if rng.random() < 0.5 else "",
        created_at=asked_at,
    )
