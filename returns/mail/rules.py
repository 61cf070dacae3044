"""Send-time checks of a return's emails: they read the return the email is about, as it is now.

A step of a return's flow is about one return (its message's anchor key, "return:42"); on any
other step these rules find no return and stop nothing.
"""

from ..models import Method, ReturnRequest, ReturnStatus

KEY_PREFIX = "return:"


def return_key(payload: dict) -> str:
    """The anchor key of a return's events (core.event_kinds order_key): one email per return and step."""
    return f"{KEY_PREFIX}{payload['id']}" if payload.get("id") else ""


def return_id(anchor_key: str) -> int | None:
    if not anchor_key.startswith(KEY_PREFIX) or not anchor_key[len(KEY_PREFIX) :].isdigit():
        return None
    return int(anchor_key[len(KEY_PREFIX) :])


def _the_return(data) -> ReturnRequest | None:
    """The return of this order the message is about, read once per message."""
    if "the_return" not in data.cache:
        pk = return_id(data.anchor_key)
        found = ReturnRequest.objects.filter(order_id=data.order.pk, pk=pk).first() if pk else None
        data.cache["the_return"] = found
    return data.cache["the_return"]


def _stops(data, check) -> bool:
    """Inert on a step not about a return; a return that is gone stops its emails."""
    if return_id(data.anchor_key) is None:
        return False
    found = _the_return(data)
    return found is None or check(found)


def return_cancelled(data) -> bool:
    return _stops(data, lambda found: found.status in (ReturnStatus.CANCELLED, ReturnStatus.REJECTED))


def return_moved_on(data) -> bool:
    """Shipped, received, refunded, cancelled...: a reminder to send the parcel would be wrong."""
    return _stops(data, lambda found: found.status != ReturnStatus.APPROVED)


def return_kept(data) -> bool:
    return _stops(data, lambda found: found.method == Method.KEEP_IT)
