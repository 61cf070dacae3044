"""AfterShip tracking webhooks (wire_formats.md §4.1).

Signed with the `aftership-hmac-sha256` header: base64 HMAC-SHA256 of the raw body under the
account's webhook secret. `event_id` identifies the event (our delivery id). `msg` is the
tracking: its `tag`, `subtag`, `tracking_number`, `slug` and `checkpoints[]` (each with
`checkpoint_time`, `tag`, `subtag`, `message`, `city`, `country_region`/`country_iso3`).
Only `tracking_update` and `edd_revise` events change anything; others are stored and ignored.
"""

import json
from datetime import UTC, datetime

from tracking.models import ShipmentStatus as S
from tracking.services import ProviderEvent

from ..inbound import PayloadError, json_object_parse
from ..inbound import signature_valid as base64_signature_valid
from ..provider_parsing import Update, aware_datetime, country_alpha2, optional_date, text

SOURCE = "aftership"
SIGNATURE_HEADER = "aftership-hmac-sha256"
PROCESSED_EVENTS = {"tracking_update", "edd_revise"}
TAGS = {
    "Pending": S.PENDING,
    "InfoReceived": S.INFO_RECEIVED,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.ATTEMPT_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.EXPIRED,
}
# Sub-statuses that say more than their tag: returning / returned to sender.
SUBTAGS = {"Exception_010": S.RETURNING_TO_SENDER, "Exception_011": S.RETURNING_TO_SENDER}


def signature_valid(*, body: bytes, headers, secrets: list[str]) -> bool:
    return base64_signature_valid(body=body, signature=headers.get(SIGNATURE_HEADER, ""), secrets=secrets)


def status_for(tag, subtag="") -> str:
    if isinstance(subtag, str) and subtag in SUBTAGS:
        return SUBTAGS[subtag]
    if not isinstance(tag, str) or tag not in TAGS:
        raise PayloadError(f"tag {tag!r} is not an AfterShip delivery status ({', '.join(TAGS)}).")
    return TAGS[tag]


def parse(body: bytes, headers, *, default_tz=UTC) -> Update:
    payload = json_object_parse(body, expected="a JSON object with event_id, event and msg")
    event_id, event = payload.get("event_id"), payload.get("event")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 128:
        raise PayloadError("event_id is missing: AfterShip sends a UUID per event.")
    if not isinstance(event, str) or not event.strip():
        raise PayloadError("event is missing (e.g. tracking_update).")
    update = Update(delivery_id=event_id.strip(), topic=event.strip()[:64], processed=event in PROCESSED_EVENTS)
    if not update.processed:
        return update
    msg = payload.get("msg")
    if not isinstance(msg, dict):
        raise PayloadError("msg must be the tracking object.")
    update.tracking_number = text(msg.get("tracking_number"), 64)
    if not update.tracking_number:
        raise PayloadError("msg.tracking_number is missing.")
    update.carrier = text(msg.get("slug"), 40)
    update.estimated_delivery = _estimate(msg)
    checkpoints = msg.get("checkpoints") or []
    if not isinstance(checkpoints, list):
        raise PayloadError("msg.checkpoints must be a list.")
    for index, checkpoint in enumerate(checkpoints):
        if not isinstance(checkpoint, dict):
            raise PayloadError(f"msg.checkpoints[{index}] must be an object.")
        update.events.append(_event(checkpoint, f"msg.checkpoints[{index}]", default_tz))
    if not update.events and event == "tracking_update" and msg.get("tag"):
        # No scan yet (e.g. Pending): the tracking's own tag at the event time.
        occurred = aware_datetime(
            text(msg.get("updated_at"), 40) or _from_ts(payload.get("ts")), where="msg.updated_at", default_tz=UTC
        )
        update.events.append(
            ProviderEvent(
                status=status_for(msg.get("tag"), msg.get("subtag")),
                occurred_at=occurred,
                substatus=text(msg.get("subtag"), 64),
                description=text(msg.get("subtag_message"), 500),
            )
        )
    return update


def _from_ts(ts) -> str:
    if isinstance(ts, bool) or not isinstance(ts, int) or ts <= 0:
        return ""
    try:
        return datetime.fromtimestamp(ts, tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError):  # beyond the calendar: no time to read
        return ""


def _event(checkpoint: dict, where: str, default_tz) -> ProviderEvent:
    return ProviderEvent(
        status=status_for(checkpoint.get("tag"), checkpoint.get("subtag")),
        occurred_at=aware_datetime(
            checkpoint.get("checkpoint_time"), where=f"{where}.checkpoint_time", default_tz=default_tz
        ),
        substatus=text(checkpoint.get("subtag"), 64),
        description=text(checkpoint.get("message"), 500) or text(checkpoint.get("subtag_message"), 500),
        city=text(checkpoint.get("city"), 120) or text(checkpoint.get("location"), 120),
        country=country_alpha2(checkpoint.get("country_region") or checkpoint.get("country_iso3")),
        raw=json.loads(json.dumps(checkpoint, default=str)),
    )


def _estimate(msg: dict):
    courier = msg.get("courier_estimated_delivery_date")
    if isinstance(courier, dict):
        found = optional_date(courier.get("estimated_delivery_date"))
        if found:
            return found
    return optional_date(msg.get("expected_delivery"))
