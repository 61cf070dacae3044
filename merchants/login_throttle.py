"""Failed-login limits for every form that checks a password, counted per account and per client apart.

LOGIN_MAX_FAILURES failures for one email within LOGIN_LOCKOUT_SECONDS lock that account, from
everywhere; LOGIN_MAX_FAILURES_PER_CLIENT failures from one client address, whatever the emails, lock
that client. A lock lasts LOGIN_LOCKOUT_SECONDS and refuses even the right password, so guessing gains
nothing from a lucky hit. An attacker hammering one account locks that account and their own address,
never the other accounts; docs/operations.md says how NUM_PROXIES keeps the addresses apart.
"""

from dataclasses import dataclass

from django.conf import settings

from core.client_address import client_rate_key
from core.rate_limits import RateLimit, seconds_blocked

# Password-reset emails per account per LOGIN_LOCKOUT_SECONDS, so the form cannot flood an inbox,
# and reset requests per client address, so one client cannot mail every account in turn.
RESET_EMAILS_PER_ACCOUNT = 3
RESET_REQUESTS_PER_CLIENT = 10


def _account_failures() -> RateLimit:
    return RateLimit("login:account", limit=settings.LOGIN_MAX_FAILURES, window=settings.LOGIN_LOCKOUT_SECONDS)


def _client_failures() -> RateLimit:
    return RateLimit(
        "login:client", limit=settings.LOGIN_MAX_FAILURES_PER_CLIENT, window=settings.LOGIN_LOCKOUT_SECONDS
    )


@dataclass(frozen=True)
class LoginAttempt:
    email: str
    client: str

    @classmethod
    def of(cls, request, email: str) -> "LoginAttempt":
        return cls(email=(email or "").strip().lower(), client=client_rate_key(request))

    def seconds_locked(self) -> int:
        """Seconds until both the account and the client may try again; 0 when neither is locked."""
        return seconds_blocked([(_account_failures(), self.email), (_client_failures(), self.client)])

    def failed(self) -> None:
        _account_failures().hit(self.email)
        _client_failures().hit(self.client)

    def succeeded(self) -> None:
        """The right password forgets the account's failures; the client's count stays."""
        _account_failures().forget(self.email)


def reset_email_allowed(*, email: str) -> bool:
    emails = RateLimit("password-reset:account", limit=RESET_EMAILS_PER_ACCOUNT, window=settings.LOGIN_LOCKOUT_SECONDS)
    return emails.take(email.strip().lower()) == 0


def reset_request_wait(request) -> int:
    """0 when this client may ask for another reset email (and counts it), else the seconds to wait."""
    requests = RateLimit(
        "password-reset:client", limit=RESET_REQUESTS_PER_CLIENT, window=settings.LOGIN_LOCKOUT_SECONDS
    )
    return requests.take(client_rate_key(request))
