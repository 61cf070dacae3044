"""HTTP calls to a merchant's shop for shop actions (shop_actions/adapters.py), shared by the platform adapters.

Short timeouts (an adapter answers well inside the claim lease), no redirects followed, and the
failures every platform shares mapped once: no answer, 429 and 5xx may work later (transient),
401/403 need the merchant to fix the access they gave us (staff), anything else is a refusal.
"""

import logging
from decimal import Decimal

import requests

from shop_actions.adapters import NeedsStaffError, PermanentShopError, TransientShopError

logger = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds)
MESSAGE_LENGTH = 300


def shop_request(method: str, url: str, *, platform: str, **kwargs) -> requests.Response:
    """Send the request; no answer at all (timeout, connection refused) is a TransientShopError."""
    try:
        return requests.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.Timeout:
        raise TransientShopError(f"{platform} did not answer within {TIMEOUT[1]} s.") from None
    except requests.RequestException as exc:
        raise TransientShopError(f"Could not reach {platform}: {type(exc).__name__}.") from None


def http_status_check(response: requests.Response, *, platform: str, message: str = "") -> None:
    """Raise the error an unsuccessful HTTP status stands for; `message` is the shop's own words, if any."""
    status = response.status_code
    if status < 300:
        return
    said = f" {message[:MESSAGE_LENGTH]}" if message else ""
    if status == 429:
        raise TransientShopError(f"{platform} asks us to slow down (HTTP 429).{said}")
    if status >= 500:
        raise TransientShopError(f"{platform} had an error (HTTP {status}).{said}")
    if status in (401, 403):
        raise NeedsStaffError(
            f"{platform} refused our access (HTTP {status}).{said} Check the credentials and permissions "
            "in Settings → Integrations, then try again."
        )
    if 300 <= status < 400:
        raise PermanentShopError(f"{platform} answered with a redirect (HTTP {status}): check the shop's address.")
    raise PermanentShopError(f"{platform} refused the request (HTTP {status}).{said}")


def json_body(response: requests.Response, *, platform: str):
    try:
        return response.json()
    except ValueError:
        raise TransientShopError(f"{platform} answered HTTP {response.status_code} without JSON.") from None


def returned_value(payload: dict) -> Decimal:
    """A dearer exchange order's discount (returns/exchanges.py `amount_due`): the new items at their prices
    less the amount due, which is the value of the items returned for them."""
    lines_total = sum((Decimal(line["unit_price"]) * line["quantity"] for line in payload["lines"]), Decimal(0))
    returned = lines_total - Decimal(payload["amount_due"])
    if returned < 0:
        raise PermanentShopError("The amount due is more than the new items cost: the exchange was recorded wrongly.")
    return returned
