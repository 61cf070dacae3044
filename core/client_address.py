"""Who sent a request: the client address every rate limit counts by.

Behind NUM_PROXIES reverse proxies, each proxy appends the address it received the request from to
X-Forwarded-For, so the entry NUM_PROXIES from the right is the one the outermost trusted proxy saw:
the client. Entries further left were sent by the client itself and prove nothing. docs/operations.md
says what happens when NUM_PROXIES does not match the proxies actually in front of the app.
"""

import functools
import ipaddress
import logging

from django.conf import settings

security_log = logging.getLogger("security")

# IPv6 clients usually hold a whole /64 and can pick any address in it: they are counted as one.
IPV6_CLIENT_PREFIX = 64


def client_address(request) -> str:
    """The client's address, as the outermost trusted proxy (or, with none, the socket) saw it."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = _forwarded_hops(request)
    proxies = settings.NUM_PROXIES
    if not proxies:
        if hops and _is_internal(remote):
            _warn_once(
                "Requests carry X-Forwarded-For from %s but NUM_PROXIES is 0: every client behind that "
                "proxy shares one rate limit. See docs/operations.md.",
                _network(remote),
            )
        return remote
    if len(hops) < proxies:
        # Fewer entries than trusted proxies: every entry was appended by one of them, so the leftmost
        # is still not the client's own word. Seen on every request, NUM_PROXIES is set too high.
        _warn_once("NUM_PROXIES is %s but X-Forwarded-For had %s entries. See docs/operations.md.", proxies, len(hops))
        return hops[0] if hops else remote
    return hops[-proxies]


def client_rate_key(request) -> str:
    """What a per-client rate limit counts: the address, or its /64 network for IPv6."""
    return _network(client_address(request))


def _forwarded_hops(request) -> list[str]:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [hop.strip() for hop in forwarded.split(",") if hop.strip()]


def _network(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))


def _is_internal(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_private or parsed.is_loopback


@functools.cache
def _warn_once(message: str, *args) -> None:
    """A misconfiguration shows on every request; one line per process and case is enough."""
    security_log.warning(message, *args)
