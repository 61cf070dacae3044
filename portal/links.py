"""The customer's links: what they open, who they name, how long they last.

Links live in inboxes for years, so the scheme is fixed here once (docs/customer_links.md):

- an **order link** names one order; its token opens every section of the order at `/<section>/<token>/`
  (`/track/<token>/` today; the order's returns and surveys next). Its token is the tracking page's
  since the first release, so every shipping email ever sent keeps working. It lasts two years.
- a **customer link** names one customer of one shop; its token opens their sections
  (`/me/<token>/` their orders, `/preferences/<token>/`; loyalty and NPS next). It lasts one year.

Tokens are signed with SECRET_KEY (django.core.signing, one salt per kind) and carry ids only.
Every page and email signs fresh links, so a customer who follows them never meets an expired one;
an expired link opens a page that emails a fresh one to the customer's address, and rotating
SECRET_KEY while keeping the old key in SECRET_KEY_FALLBACKS keeps every link working meanwhile.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

ORDER_SALT = "tracking.page"  # the tracking page's tokens, unchanged: order links already in inboxes keep working
ORDER_MAX_AGE = timedelta(days=730)
CUSTOMER_SALT = "portal.customer"
CUSTOMER_MAX_AGE = timedelta(days=365)


class BadLink(Exception):  # noqa: N818 - reads as "raise BadLink"
    """The token is altered, forged or malformed."""


class ExpiredLink(BadLink):
    """A token we signed, past its lifetime: `merchant_id` lets the page wear the shop's branding."""

    def __init__(self, merchant_id: int):
        super().__init__("expired")
        self.merchant_id = merchant_id


@dataclass(frozen=True)
class _Kind:
    salt: str
    max_age: timedelta
    subject: str  # the payload key of the id the link names

    def dumps(self, merchant_id: int, subject_id: int) -> str:
        return signing.dumps({"m": merchant_id, self.subject: subject_id}, salt=self.salt, compress=True)

    def loads(self, token: str) -> tuple[int, int]:
        try:
            data = signing.loads(token, salt=self.salt, max_age=self.max_age)
        except signing.SignatureExpired:
            raise ExpiredLink(self._merchant_of_expired(token)) from None
        except signing.BadSignature as exc:
            raise BadLink(str(exc)) from exc
        return self._ids(data)

    def _merchant_of_expired(self, token: str) -> int:
        return self._ids(signing.loads(token, salt=self.salt))[0]  # the signature was checked: only the age failed

    def _ids(self, data) -> tuple[int, int]:
        if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("m", self.subject)):
            raise BadLink("malformed")
        return data["m"], data[self.subject]


def link_kind(salt: str, max_age: timedelta, subject: str) -> _Kind:
    """Another app's link scheme (a survey invitation's), signed, read and expired like these."""
    return _Kind(salt, max_age, subject)


ORDER = _Kind(ORDER_SALT, ORDER_MAX_AGE, "o")
CUSTOMER = _Kind(CUSTOMER_SALT, CUSTOMER_MAX_AGE, "c")


def order_token(order) -> str:
    return ORDER.dumps(order.merchant_id, order.pk)


def order_token_read(token: str) -> tuple[int, int]:
    """(merchant_id, order_id); BadLink or ExpiredLink otherwise."""
    return ORDER.loads(token)


def customer_token(customer) -> str:
    return CUSTOMER.dumps(customer.merchant_id, customer.pk)


def customer_token_read(token: str) -> tuple[int, int]:
    """(merchant_id, customer_id); BadLink or ExpiredLink otherwise."""
    return CUSTOMER.loads(token)


def customer_portal_path(customer, section: str = "me") -> str:
    """The path of one of the customer's sections (their orders by default), with a fresh token."""
    return reverse(f"portal-{section}:index", kwargs={"token": customer_token(customer)})


def customer_portal_url(customer, section: str = "me") -> str:
    return f"{settings.SITE_URL}{customer_portal_path(customer, section)}"


def customer_portal_link_provider():
    """`{{ account_url }}` in every email: the customer's own pages (their orders, their preferences)."""
    from flows.context_providers import EmailContextProvider

    def value(order, language):
        return customer_portal_url(order.customer) + f"?lang={language}" if order.customer_id else ""

    return EmailContextProvider(
        "account_url",
        value=value,
        sample=lambda merchant, language: f"{settings.SITE_URL}/me/sample/?lang={language}",
    )
