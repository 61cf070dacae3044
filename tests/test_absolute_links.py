"""Every absolute link we send is built from SITE_URL, never from the request's Host header.

With a permissive ALLOWED_HOSTS an attacker can send a request naming their own host; a link built
from it and emailed to a victim (a password reset) hands the attacker the victim's token on click.
"""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse

from merchants.models import Role
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "evil.example"
SITE = "https://app.postpurchase.example"

# Ways of turning a request into an absolute URL. None of them may appear in our code or templates.
REQUEST_HOST_PATTERNS = [
    r"build_absolute_uri",
    r"get_host\(",
    r"request\.scheme",
    r"HTTP_HOST",
    r"get_current_site",
    r"RequestSite",
    r"{{\s*domain\s*}}",
    r"{{\s*protocol\s*}}",
]
PRODUCT_DIRS = ["config", "merchants", "orders", "tracking", "flows", "returns", "feedback", "loyalty", "analytics"]


@pytest.fixture
def hostile_host(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = SITE
    # Reset emails are rate limited in the cache: each test starts with its own, empty one.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "links"}}
    caches["default"].clear()


def every_email_text():
    for message in mail.outbox:
        yield message.body
        for content, _mimetype in getattr(message, "alternatives", []):
            yield content


def assert_links_point_at_the_site():
    texts = list(every_email_text())
    assert texts, "an email was expected"
    for text in texts:
        assert HOSTILE not in text
        links = re.findall(r"https?://[^\s\"'<>]+", text)
        assert links and all(link.startswith(SITE) for link in links if "/accounts/" in link)


def test_password_reset_link_ignores_a_hostile_host_header(client, owner, hostile_host):
    response = client.post(reverse("password_reset"), {"email": owner.email}, HTTP_HOST=HOSTILE)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert_links_point_at_the_site()
    assert f"{SITE}/accounts/password-reset/" in mail.outbox[0].body


def test_invitation_link_ignores_a_hostile_host_header(
    client, merchant, hostile_host, django_capture_on_commit_callbacks
):
    admin = UserFactory(email="admin@maison-lumiere.example.com")
    MembershipFactory(merchant=merchant, user=admin, role=Role.OWNER)
    staff = login_as(client, admin, merchant)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("settings:team-invite"), {"email": "lea@example.com", "role": "agent"}, HTTP_HOST=HOSTILE
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert_links_point_at_the_site()
    assert f"{SITE}/accounts/invitations/" in mail.outbox[0].body


def product_files():
    for directory in PRODUCT_DIRS:
        for path in (ROOT / directory).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                yield path
    yield from (ROOT / "templates").rglob("*.*")


def test_no_code_or_template_builds_a_link_from_the_request():
    offenders = [
        f"{path.relative_to(ROOT)}: {pattern}"
        for path in product_files()
        if path.is_file()
        for pattern in REQUEST_HOST_PATTERNS
        if re.search(pattern, path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
