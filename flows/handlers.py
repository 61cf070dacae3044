"""Where flows listen: order events (orders.events) and the ESP's tracking webhooks (anymail)."""

from .services import EspEvent, default_flows_install, message_event_record_from_esp, messages_schedule_for_event


def on_order_event(event) -> None:
    """Every order event may start a flow. Idempotent: a step is scheduled once per order."""
    messages_schedule_for_event(event=event)


def on_anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    """Record delivered/opened/clicked/bounced/complained/unsubscribed on the Message it concerns."""
    message_event_record_from_esp(
        esp_name=esp_name,
        event=EspEvent(
            event_type=str(event.event_type or ""),
            message_id=event.message_id,
            event_id=event.event_id,
            timestamp=event.timestamp,
            recipient=event.recipient,
            reject_reason=event.reject_reason,
            click_url=event.click_url,
            description=event.description,
        ),
    )


def on_merchant_created(merchant) -> None:
    """A new shop starts with the default journey, ready to edit."""
    default_flows_install(merchant=merchant)
