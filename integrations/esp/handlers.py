"""The ESP's tracking events (django-anymail's tracking signal), recorded on the messages they name."""

from flows.services import EspEvent, message_event_record_from_esp


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
