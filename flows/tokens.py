"""Signed links in emails: unsubscribe, preferences and click tracking.

Tokens are signed with SECRET_KEY (django.core.signing) and carry only ids and the address;
a forged or altered token fails the signature check. Unsubscribe and preference links stay
valid for a year so an old email still works; a click link for 90 days.
"""

import functools
import hashlib
import hmac
import json
import time
import zlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

PREFERENCE_SALT = "flows.preferences"
CLICK_SALT = "flows.click"
PREFERENCE_MAX_AGE = timedelta(days=365)
CLICK_MAX_AGE = timedelta(days=90)


class InvalidLinkError(Exception):
    """The link is altered, forged or expired."""


@functools.lru_cache(maxsize=8)
def _mac(salt: str, secret: str):
    """The keyed HMAC Django's TimestampSigner(salt=salt) signs with (django.utils.crypto.salted_hmac)."""
    key = hashlib.sha256(f"{salt}signer{secret}".encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _dumps(payload: dict, salt: str) -> str:
    """The token `signing.dumps(payload, salt=salt, compress=True)` makes, read back by `signing.loads`.

    An email carries two or three tokens and a pass signs thousands: the key is derived once per
    salt and secret instead of once per token, which was most of the cost.
    """
    data = json.dumps(payload, separators=(",", ":")).encode("latin-1")
    compressed = zlib.compress(data)
    if len(compressed) < len(data) - 1:
        value = "." + signing.b64_encode(compressed).decode()
    else:
        value = signing.b64_encode(data).decode()
    value = f"{value}:{signing.b62_encode(int(time.time()))}"
    mac = _mac(salt, settings.SECRET_KEY).copy()
    mac.update(value.encode())
    return f"{value}:{signing.b64_encode(mac.digest()).decode()}"


def preference_token(*, merchant_id: int, address: str, scheduled_id: int | None = None, test: bool = False) -> str:
    """`test`: the link of a "send me a test" email, which only says so and changes nobody's preferences."""
    payload = {"m": merchant_id, "a": address.lower()}
    if scheduled_id:
        payload["s"] = scheduled_id
    if test:
        payload["t"] = 1
    return _dumps(payload, PREFERENCE_SALT)


def preference_token_read(token: str) -> dict:
    try:
        data = signing.loads(token, salt=PREFERENCE_SALT, max_age=PREFERENCE_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise InvalidLinkError(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or not isinstance(data.get("a"), str):
        raise InvalidLinkError("malformed")
    return data


def click_token(*, scheduled_id: int, url: str) -> str:
    return _dumps({"s": scheduled_id, "u": url}, CLICK_SALT)


def click_token_read(token: str) -> dict:
    try:
        data = signing.loads(token, salt=CLICK_SALT, max_age=CLICK_MAX_AGE)
    except signing.BadSignature as exc:
        raise InvalidLinkError(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("u"), str):
        raise InvalidLinkError("malformed")
    return data


@functools.lru_cache(maxsize=8)
def _url_around(name: str) -> tuple[str, str]:
    """The absolute URL of `name` split around its token: reverse() once, not once per email."""
    placeholder = "TOKEN0PLACEHOLDER"
    before, after = reverse(name, kwargs={"token": placeholder}).split(placeholder)
    return f"{settings.SITE_URL}{before}", after


def _url(name: str, token: str) -> str:
    before, after = _url_around(name)
    return f"{before}{token}{after}"


def unsubscribe_url(token: str) -> str:
    return _url("flows-public:unsubscribe", token)


def preferences_url(token: str) -> str:
    return _url("flows-public:preferences", token)


def click_url(token: str) -> str:
    return _url("flows-public:click", token)
