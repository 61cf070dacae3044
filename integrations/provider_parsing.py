"""What tracking-provider parsers share: the Update they return, and helpers for their fields.

A provider's parser module (integrations/<provider>/parser.py) defines:

- SOURCE: its name, used in the URL (/webhooks/<SOURCE>/<merchant_slug>/), in
  WebhookDelivery.source and in IntegrationSecret.provider;
- signature_valid(*, body, headers, secrets) -> bool: verification exactly as the provider documents;
- parse(body, headers) -> Update: the payload in our vocabulary, raising PayloadError when malformed.

Adding a provider is adding its folder and naming its parser in integrations/providers.py.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import pycountry
from django.utils.dateparse import parse_date

from core.moments import MomentError, moment_parse
from tracking.services import ProviderEvent

from .inbound import PayloadError


@dataclass
class Update:
    delivery_id: str
    topic: str
    processed: bool  # False for topics we store but do not act on
    tracking_number: str = ""
    carrier: str = ""
    events: list[ProviderEvent] = field(default_factory=list)
    estimated_delivery: date | None = None


# --- Helpers the provider modules share ----------------------------------------------------------


def text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def aware_datetime(value, *, where: str, default_tz) -> datetime:
    """An ISO 8601 time in UTC; one without an offset, or a bare date, is read in `default_tz`
    (carriers often send local time)."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{where} must be an ISO 8601 date and time, not {value!r}.")
    only_date = _date(value.strip())
    if only_date is not None:
        value = only_date.isoformat() + "T00:00:00"
    try:
        return moment_parse(value, naive_tz=default_tz)
    except MomentError as exc:
        raise PayloadError(f"{where} is not a date and time we can read: {value!r}: {exc}") from None


def _date(value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30
        return None


def optional_date(value) -> date | None:
    """A delivery estimate as YYYY-MM-DD or a full timestamp; anything else is no estimate."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    return _date(value[:10])


def country_alpha2(value) -> str:
    """Providers send ISO alpha-2, alpha-3 or a name: we keep alpha-2, or nothing."""
    if not isinstance(value, str) or not value.strip():
        return ""
    value = value.strip()
    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return ""
    return found.alpha_2
