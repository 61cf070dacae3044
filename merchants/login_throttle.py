"""Failed-login limits, per email address and per client address, kept in the cache.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_SECONDS, that email (or that
client address) is locked for LOGIN_LOCKOUT_SECONDS: even the right password fails
until the lock expires, so guessing gains nothing from a lucky hit.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

security_log = logging.getLogger("security")


@dataclass(frozen=True)
class Subject:
    kind: str  # "email" or "ip"
    value: str

    @property
    def _id(self) -> str:
        # Hashed so cache keys never carry an address and stay within key-length limits.
        return hashlib.sha256(f"{self.kind}:{self.value}".encode()).hexdigest()[:32]

    @property
    def failures_key(self) -> str:
        return f"login:failures:{self._id}"

    @property
    def lock_key(self) -> str:
        return f"login:locked-until:{self._id}"


def client_ip(request) -> str:
    """The client's address. Behind NUM_PROXIES trusted proxies, read it from X-Forwarded-For."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def subjects_for(*, email: str, ip: str) -> list[Subject]:
    return [Subject("email", email.strip().lower()), Subject("ip", ip)]


def seconds_locked(subjects: list[Subject]) -> int:
    """Seconds until every subject may try again; 0 when none is locked."""
    now = time.time()
    remaining = 0.0
    for subject in subjects:
        until = cache.get(subject.lock_key)
        if until is not None:
            remaining = max(remaining, until - now)
    return math.ceil(remaining) if remaining > 0 else 0


def record_failure(subjects: list[Subject]) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    for subject in subjects:
        cache.add(subject.failures_key, 0, timeout=window)
        try:
            failures = cache.incr(subject.failures_key)
        except ValueError:  # expired between add and incr
            cache.set(subject.failures_key, 1, timeout=window)
            failures = 1
        if failures >= settings.LOGIN_MAX_FAILURES:
            cache.set(subject.lock_key, time.time() + window, timeout=window)
            cache.delete(subject.failures_key)
            security_log.warning("Login locked for %s after %s failures", subject.kind, failures)


def record_success(subjects: list[Subject]) -> None:
    """A correct login forgets the email's failures; the address's count stays."""
    for subject in subjects:
        if subject.kind == "email":
            cache.delete(subject.failures_key)


# Password-reset emails per account per LOGIN_LOCKOUT_SECONDS, so the form cannot flood an inbox.
RESET_EMAILS_PER_WINDOW = 3


def allow_reset_email(*, email: str) -> bool:
    key = f"login:reset-emails:{Subject('email', email.strip().lower())._id}"
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        sent = 1
    return sent <= RESET_EMAILS_PER_WINDOW
