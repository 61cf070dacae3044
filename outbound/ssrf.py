"""Webhook targets we agree to call, and a POST that cannot be steered anywhere else.

A merchant chooses the URL we call, so it must never reach our own network (server-side
request forgery). A URL is vetted when it is saved, to give staff a clear error, and again
before every send, because DNS answers change. The request then connects to the address
that was just vetted (the Host header and the TLS certificate check still use the host
name), so a second, different DNS answer (DNS rebinding) cannot move it. Redirects are
never followed and proxy settings from the environment are ignored. Each POST has an overall
deadline: a receiver answering one byte at a time cannot hold the worker past it.
"""

import ipaddress
import socket
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

ALLOWED_SCHEMES = ("http", "https")
# Certificates are checked against the usual CA bundle; tests point this at their own CA.
CA_BUNDLE: bool | str = True
# A host may resolve to many addresses; we try a few when the first cannot be reached.
MAX_ADDRESSES_TRIED = 3
# The NAT64 prefix maps IPv4 addresses into IPv6: the embedded IPv4 address is what is reached.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
DEFAULT_DEADLINE_SECONDS = 15.0


class TargetError(ValueError):
    """A URL we will not call. The message is meant for the person who entered it."""


class UnsafeTargetError(TargetError):
    """The URL is malformed or points at an address we refuse (loopback, private, ...)."""


class UnresolvableHostError(TargetError):
    """The host name has no address right now; DNS may recover, so a send may be retried."""


class DeadlineExceeded(requests.Timeout):
    """The POST as a whole (connect, send, read the answer) did not finish within its deadline."""


@dataclass(frozen=True)
class VettedTarget:
    url: str
    scheme: str
    host_header: str  # ASCII host[:port], as the receiver expects it
    hostname: str  # ASCII (IDNA) host name, for TLS
    addresses: tuple[str, ...]


def allow_private_targets() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False))


def address_problem(address: str) -> str | None:
    """Why we refuse to connect to `address`, or None if it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(str(embedded))
    if ip.is_unspecified:
        return _("unspecified")
    if ip.is_loopback:
        return _("loopback")
    if ip.is_link_local:
        return _("link-local")
    if ip.is_multicast:
        return _("multicast")
    if ip.is_private:
        return _("private")
    if ip.is_reserved:
        return _("reserved")
    if not ip.is_global:
        return _("non-public")
    return None


def _resolve(hostname: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnresolvableHostError(_("The host %(host)s could not be resolved.") % {"host": hostname}) from exc
    addresses = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise UnresolvableHostError(_("The host %(host)s could not be resolved.") % {"host": hostname})
    return tuple(addresses)


def check_url_syntax(url: str) -> tuple[str, str, int]:
    """Return (scheme, ASCII host name, port) of an acceptable URL, without any DNS look-up."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeTargetError(_("This is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeTargetError(_("Only http:// and https:// URLs can receive webhooks."))
    if not parts.hostname:
        raise UnsafeTargetError(_("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeTargetError(
            _("Credentials inside the URL are not supported; verify the webhook signature instead.")
        )
    try:
        hostname = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeTargetError(_("The host name is not valid.")) from exc
    return scheme, hostname, port or (443 if scheme == "https" else 80)


def vet_url(url: str, *, allow_private: bool | None = None) -> VettedTarget:
    """Check the URL and every address its host resolves to. Raises TargetError."""
    if allow_private is None:
        allow_private = allow_private_targets()
    scheme, hostname, port = check_url_syntax(url)
    addresses = _resolve(hostname, port)
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if not problem:
                continue
            values = {"host": hostname, "address": address, "kind": problem}
            if address == hostname:
                message = _(
                    "%(address)s is a %(kind)s address. Webhooks can only be sent to public internet addresses."
                )
            else:
                message = _(
                    "%(host)s resolves to %(address)s, a %(kind)s address. "
                    "Webhooks can only be sent to public internet addresses."
                )
            raise UnsafeTargetError(message % values)
    default_port = 443 if scheme == "https" else 80
    bracketed = f"[{hostname}]" if ":" in hostname else hostname
    host_header = bracketed if port == default_port else f"{bracketed}:{port}"
    return VettedTarget(url=url.strip(), scheme=scheme, host_header=host_header, hostname=hostname, addresses=addresses)


class _Deadline:
    """Shuts an attempt's connections down when its time is up.

    Socket timeouts bound each read, not their sum: an answer trickled one byte at a time never
    trips them. A timer shuts the sockets down at the deadline instead, which ends at once any read
    or write blocked on them, TLS handshake included. It holds duplicates of the sockets: they stay
    valid when TLS takes the original descriptor over, and closing them is ours alone.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._ends_at = time.monotonic() + seconds
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.0, self._ends_at - time.monotonic())

    def passed(self) -> bool:
        return self.expired or not self.remaining()

    def error(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"No complete answer within {self.seconds:g} s.")

    def watch(self, sock: socket.socket) -> None:
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the other side
        pass


_attempt_deadline: ContextVar[_Deadline | None] = ContextVar("webhook_attempt_deadline", default=None)


class _DeadlineWatchedMixin:
    """A urllib3 connection whose socket, once connected, is watched by the attempt's deadline."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        deadline = _attempt_deadline.get()
        if deadline is not None:
            deadline.watch(sock)
        return sock


class _WatchedHTTPConnection(_DeadlineWatchedMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_DeadlineWatchedMixin, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _PinnedAddressAdapter(HTTPAdapter):
    """Connects to one given IP address whatever the URL's host resolves to.

    Uses the hook requests documents for changing the connection pool key: the pool's
    host becomes the IP; TLS still sends and verifies the real host name. Its connections
    are watched by the deadline of the attempt in progress.
    """

    def __init__(self, address: str, hostname: str):
        self._address = address.split("%", 1)[0]
        self._hostname = hostname
        super().__init__(max_retries=0, pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = self._address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self._hostname
            pool_kwargs["assert_hostname"] = self._hostname
        return host_params, pool_kwargs


@dataclass(frozen=True)
class HttpAnswer:
    status_code: int
    excerpt: bytes
    location: str


def _is_connect_failure(exc: requests.ConnectionError) -> bool:
    """True when no connection was made at all (so another address may be tried safely)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # requests wraps urllib3's MaxRetryError
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def safe_post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    deadline: float = DEFAULT_DEADLINE_SECONDS,
    excerpt_bytes: int = 1024,
) -> HttpAnswer:
    """POST `body` to `url` after vetting it; read at most `excerpt_bytes` of the answer.

    `timeout` bounds the connection and each read; `deadline` the whole call, DNS included (a
    look-up cannot be interrupted, but its time counts). Raises TargetError (refused target),
    DeadlineExceeded, requests.Timeout or requests.RequestException.
    """
    with _Deadline(deadline) as limit:
        token = _attempt_deadline.set(limit)
        try:
            answer = _post_to_vetted_address(
                url, body=body, headers=headers, timeout=timeout, limit=limit, excerpt_bytes=excerpt_bytes
            )
        except TargetError:
            raise
        except Exception as exc:
            if limit.passed():  # whatever the cut-off connection raised, the deadline is the reason
                raise limit.error() from exc
            raise
        finally:
            _attempt_deadline.reset(token)
        if limit.expired:  # the cut may have ended the answer early without an error
            raise limit.error()
        return answer


def _post_to_vetted_address(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, limit: _Deadline, excerpt_bytes: int
) -> HttpAnswer:
    target = vet_url(url)
    last_error: requests.ConnectionError | None = None
    for address in target.addresses[:MAX_ADDRESSES_TRIED]:
        if limit.passed():
            raise limit.error()
        with requests.Session() as session:
            session.trust_env = False  # no proxies or .netrc from the environment
            adapter = _PinnedAddressAdapter(address, target.hostname)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            try:
                response = session.post(
                    target.url,
                    data=body,
                    headers={**headers, "Host": target.host_header},
                    timeout=(min(timeout, limit.remaining()), timeout),  # reads end at the deadline anyway
                    allow_redirects=False,
                    stream=True,
                    verify=CA_BUNDLE,
                )
            except requests.ConnectionError as exc:
                if not _is_connect_failure(exc):
                    raise
                last_error = exc
                continue
            try:
                excerpt = response.raw.read(excerpt_bytes, decode_content=True) or b""
            except Exception:  # noqa: BLE001 - the status is what matters; the body is a courtesy
                excerpt = b""
            finally:
                response.close()
            return HttpAnswer(
                status_code=response.status_code,
                excerpt=excerpt[:excerpt_bytes],
                location=response.headers.get("Location", ""),
            )
    assert last_error is not None
    raise last_error
