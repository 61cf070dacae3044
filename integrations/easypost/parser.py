"""EasyPost tracker webhooks (wire_formats.md §4.2).

Signed with `X-Hmac-Signature: hmac-sha256-hex=<lowercase hex>`: HMAC-SHA256 of the exact raw
body, keyed with the webhook secret after Unicode NFKD normalisation, UTF-8 encoded. The
Event's `id` (evt_...) is our delivery id. Only tracker.created / tracker.updated change
anything; other events are stored and ignored.
"""

import hashlib
import hmac
import json
import unicodedata
import zoneinfo

from tracking.models import ShipmentStatus as S
from tracking.services import ProviderEvent

from ..inbound import PayloadError, json_object_parse
from ..provider_parsing import Update, aware_datetime, country_alpha2, optional_date, text

SOURCE = "easypost"
SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
PROCESSED_EVENTS = {"tracker.created", "tracker.updated"}
STATUSES = {
    "unknown": S.PENDING,
    "pre_transit": S.INFO_RECEIVED,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "delivered": S.DELIVERED,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "return_to_sender": S.RETURNING_TO_SENDER,
    "failure": S.EXCEPTION,
    "cancelled": S.EXCEPTION,
    "error": S.EXCEPTION,
}
UTC = zoneinfo.ZoneInfo("UTC")


def expected_signature(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_valid(*, body: bytes, headers, secrets: list[str]) -> bool:
    given = (headers.get(SIGNATURE_HEADER, "") or "").strip().encode("utf-8", "replace")
    if not given or not secrets:
        return False
    matched = False
    for secret in secrets:  # every secret is tried: timing does not tell which one matched
        matched |= hmac.compare_digest(expected_signature(secret, body).encode(), given)
    return matched


def status_for(value, where: str) -> str:
    if not isinstance(value, str) or value not in STATUSES:
        raise PayloadError(f"{where} {value!r} is not an EasyPost tracker status ({', '.join(STATUSES)}).")
    return STATUSES[value]


def parse(body: bytes, headers, *, default_tz=UTC) -> Update:
    payload = json_object_parse(body, expected="an EasyPost Event object")
    event_id, description = payload.get("id"), payload.get("description")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 128:
        raise PayloadError("id is missing: EasyPost sends the Event id (evt_...).")
    if not isinstance(description, str) or not description.strip():
        raise PayloadError("description is missing (e.g. tracker.updated).")
    update = Update(
        delivery_id=event_id.strip(), topic=description.strip()[:64], processed=description in PROCESSED_EVENTS
    )
    if not update.processed:
        return update
    tracker = payload.get("result")
    if not isinstance(tracker, dict):
        raise PayloadError("result must be the Tracker object.")
    update.tracking_number = text(tracker.get("tracking_code"), 64)
    if not update.tracking_number:
        raise PayloadError("result.tracking_code is missing.")
    update.carrier = text(tracker.get("carrier"), 40)
    update.estimated_delivery = optional_date(tracker.get("est_delivery_date"))
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise PayloadError("result.tracking_details must be a list.")
    for index, detail in enumerate(details):
        where = f"result.tracking_details[{index}]"
        if not isinstance(detail, dict):
            raise PayloadError(f"{where} must be an object.")
        location = detail.get("tracking_location") if isinstance(detail.get("tracking_location"), dict) else {}
        update.events.append(
            ProviderEvent(
                status=status_for(detail.get("status"), f"{where}.status"),
                occurred_at=aware_datetime(detail.get("datetime"), where=f"{where}.datetime", default_tz=default_tz),
                substatus=text(detail.get("status_detail"), 64),
                description=text(detail.get("message"), 500) or text(detail.get("description"), 500),
                city=text(location.get("city"), 120),
                country=country_alpha2(location.get("country")),
                raw=json.loads(json.dumps(detail, default=str)),
            )
        )
    if not update.events and tracker.get("status"):
        occurred = aware_datetime(
            text(tracker.get("updated_at"), 40) or text(payload.get("updated_at"), 40),
            where="result.updated_at",
            default_tz=UTC,
        )
        update.events.append(
            ProviderEvent(
                status=status_for(tracker.get("status"), "result.status"),
                occurred_at=occurred,
                substatus=text(tracker.get("status_detail"), 64),
            )
        )
    return update
