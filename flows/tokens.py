"""Signed links in emails: unsubscribe, preferences and click tracking.

Tokens are signed with SECRET_KEY (django.core.signing) and carry only ids and the address;
a forged or altered token fails the signature check. Unsubscribe and preference links stay
valid for a year so an old email still works; a click link for 90 days.
"""

import functools
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


def preference_token(*, merchant_id: int, address: str, scheduled_id: int | None = None) -> str:
    payload = {"m": merchant_id, "a": address.lower()}
    if scheduled_id:
        payload["s"] = scheduled_id
    return signing.dumps(payload, salt=PREFERENCE_SALT, compress=True)


def preference_token_read(token: str) -> dict:
    try:
        data = signing.loads(token, salt=PREFERENCE_SALT, max_age=PREFERENCE_MAX_AGE)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature
        raise InvalidLinkError(str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or not isinstance(data.get("a"), str):
        raise InvalidLinkError("malformed")
    return data


def click_token(*, scheduled_id: int, url: str) -> str:
    return signing.dumps({"s": scheduled_id, "u": url}, salt=CLICK_SALT, compress=True)


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
