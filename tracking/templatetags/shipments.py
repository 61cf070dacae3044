"""Shipments' statuses, reasons and links as people read them, never as our codes for them."""

from django import template
from django.utils.translation import gettext_lazy as _

from tracking.services import DelayReason
from tracking.status import status_label
from tracking.tokens import tracking_page_path

register = template.Library()

DELAY_REASONS = {
    DelayReason.NO_NEWS: _("no news from the carrier"),
    DelayReason.WINDOW_PASSED: _("expected delivery date passed"),
    DelayReason.ATTEMPT_FAILED: _("a delivery attempt failed"),
    DelayReason.EXCEPTION: _("the carrier reports a problem"),
    DelayReason.RETURNING_TO_SENDER: _("returning to the shop"),
    DelayReason.EXPIRED: _("tracking expired"),
}
ESTIMATE_SOURCES = {
    "carrier": _("from the carrier"),
    "history": _("from this shop's past deliveries"),
    "default": _("from the carrier's usual transit time"),
}


@register.filter
def shipment_status(code: str) -> str:
    return status_label(code)


@register.filter
def delay_reason(code: str) -> str:
    return str(DELAY_REASONS.get(code, _("Late")))


@register.filter
def estimate_source(code: str) -> str:
    return str(ESTIMATE_SOURCES.get(code, ""))


@register.filter
def tracking_page(order) -> str:
    """The path of the order's tracking page, as its customer opens it."""
    return tracking_page_path(order)
