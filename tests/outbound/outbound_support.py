"""Helpers for the outbound webhook tests: a real HTTP receiver in a thread, fake DNS, events.

Test modules import the fixtures they use from here.
"""

import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.scoping import merchant_scope
from orders.events import event_publish, event_record
from outbound import services as webhooks

PUBLIC_IP = "93.184.215.14"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the bytes of the answer, from its status line on
    trickle_body_only: bool = False  # status line and headers at once, then the body trickled
    endless: bool = False  # the body (repeated) never ends: only the client can stop it


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records requests and answers from a script."""

    def __init__(self, tls_context=None):
        self.received: list[Received] = []
        self.streamed: list[int] = []  # bytes written by each trickled or endless answer, once it ended
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.answer: Callable[[Received], Reply] | None = None  # when set, the reply to each request
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.received.append(request)
                reply = receiver.reply_to(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.trickle or reply.endless:
                    receiver.streamed.append(_stream(self.wfile, reply))
                    self.close_connection = True
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reply_to(self, request: Received) -> Reply:
        if self.answer is not None:
            return self.answer(request)
        return self.replies.popleft() if self.replies else self.default

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def reply(self, *replies: Reply):
        self.replies.extend(replies)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _stream(wfile, reply: Reply) -> int:
    """Write a trickled or endless answer until it is done or the client went away; returns bytes written."""
    head = f"HTTP/1.1 {reply.status} Whatever\r\n"
    for name, value in reply.headers.items():
        head += f"{name}: {value}\r\n"
    head += "Connection: close\r\n" if reply.endless else f"Content-Length: {len(reply.body)}\r\n"
    head = head.encode() + b"\r\n"
    answer = head + reply.body
    at_once = len(head) if reply.trickle_body_only else 0
    written = 0
    try:
        if reply.endless:
            written += wfile.write(answer)
            while True:
                written += wfile.write(reply.body * 64)
        written += wfile.write(answer[:at_once])
        for index in range(at_once, len(answer)):
            time.sleep(reply.trickle)
            written += wfile.write(answer[index : index + 1])
    except OSError:  # the client hung up
        pass
    return written


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


class FakeDNS:
    """socket.getaddrinfo answering from a table for the names it knows."""

    def __init__(self, real):
        self.real = real
        self.table: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name in self.table:
            self.lookups.append(name)
            answers = self.table[name]
            addresses = answers.pop(0) if answers and isinstance(answers[0], list) else answers
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port or 0, 0, 0) if ":" in address else (address, port or 0),
                )
                for address in addresses
            ]
        # Anything else must be an address literal: never a real DNS query from the tests.
        return self.real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


@pytest.fixture
def fake_dns(monkeypatch):
    """Known names: hooks.example.com and shop.example.org resolve to a public address."""
    dns = FakeDNS(socket.getaddrinfo)
    dns.table.update({"hooks.example.com": [PUBLIC_IP], "shop.example.org": [PUBLIC_IP]})
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    return dns


def endpoint_for(merchant, url, event_types=("*",), description=""):
    return webhooks.endpoint_create(merchant=merchant, url=url, event_types=list(event_types), description=description)


def publish(merchant, kind, *, order=None, payload=None, capture=None):
    """Record an event and publish it the way production does (fan-out after commit).

    With `capture` (pytest-django's django_capture_on_commit_callbacks), the commit hooks run,
    so deliveries are made at once (Celery is eager in tests).
    """
    with merchant_scope(merchant):
        event = event_record(merchant=merchant, kind=kind, order=order, payload=payload or {})
    if capture is None:
        event_publish(event_id=event.pk)
    else:
        with capture(execute=True):
            event_publish(event_id=event.pk)
    return event
