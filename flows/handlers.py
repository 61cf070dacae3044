"""Where flows listen: order events (orders.events) and new merchants."""

from .services import default_flows_install, messages_schedule_for_event


def on_order_event(event) -> None:
    """Every order event may start a flow. Idempotent: a step is scheduled once per order."""
    messages_schedule_for_event(event=event)


def on_merchant_created(merchant) -> None:
    """A new shop starts with the default journey, ready to edit."""
    default_flows_install(merchant=merchant)
