"""HTTP calls to a merchant's shop for shop actions (shop_actions/adapters.py), shared by the platform adapters.

Short timeouts (an adapter answers well inside the claim lease), no redirects followed, and the
failures every platform shares mapped once: no answer, 429 and 5xx may work later (transient),
401/403 need the merchant to fix the access they gave us (staff), anything else is a refusal.
"""

import logging
from decimal import Decimal

import requests
from django.utils.translation import gettext_noop

from shop_actions.adapters import NeedsStaffError, PermanentShopError, TransientShopError

logger = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds)
MESSAGE_LENGTH = 300


def shop_request(method: str, url: str, *, platform: str, **kwargs) -> requests.Response:
    """Send the request; no answer at all (timeout, connection refused) is a TransientShopError."""
    try:
        return requests.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.Timeout:
        raise TransientShopError(
            gettext_noop("%(platform)s did not answer within %(seconds)s s."),
            {"platform": platform, "seconds": TIMEOUT[1]},
        ) from None
    except requests.RequestException as exc:
        raise TransientShopError(
            gettext_noop("Could not reach %(platform)s: %(error)s."),
            {"platform": platform, "error": type(exc).__name__},
        ) from None


def http_status_check(response: requests.Response, *, platform: str, message: str = "") -> None:
    """Raise the error an unsuccessful HTTP status stands for; `message` is the shop's own words, if any
    (kept as they are, after the translated sentence)."""
    status = response.status_code
    if status < 300:
        return
    params = {"platform": platform, "status": status, "said": f" {message[:MESSAGE_LENGTH]}" if message else ""}
    if status == 429:
        raise TransientShopError(gettext_noop("%(platform)s asks us to slow down (HTTP 429).%(said)s"), params)
    if status >= 500:
        raise TransientShopError(gettext_noop("%(platform)s had an error (HTTP %(status)s).%(said)s"), params)
    if status in (401, 403):
        raise NeedsStaffError(
            gettext_noop(
                "%(platform)s refused our access (HTTP %(status)s).%(said)s Check the credentials and permissions "
                "in Settings → Integrations, then try again."
            ),
            params,
        )
    if 300 <= status < 400:
        raise PermanentShopError(
            gettext_noop("%(platform)s answered with a redirect (HTTP %(status)s): check the shop's address."), params
        )
    raise PermanentShopError(gettext_noop("%(platform)s refused the request (HTTP %(status)s).%(said)s"), params)


def json_body(response: requests.Response, *, platform: str):
    try:
        return response.json()
    except ValueError:
        raise TransientShopError(
            gettext_noop("%(platform)s answered HTTP %(status)s without JSON."),
            {"platform": platform, "status": response.status_code},
        ) from None


def returned_value(payload: dict) -> Decimal:
    """A dearer exchange order's discount (returns/exchanges.py `amount_due`): the new items at their prices
    less the amount due, which is the value of the items returned for them."""
    lines_total = sum((Decimal(line["unit_price"]) * line["quantity"] for line in payload["lines"]), Decimal(0))
    returned = lines_total - Decimal(payload["amount_due"])
    if returned < 0:
        raise PermanentShopError(
            gettext_noop("The amount due is more than the new items cost: the exchange was recorded wrongly.")
        )
    return returned
