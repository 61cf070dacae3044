"""A "send me a test" email's unsubscribe and preference links change nobody's preferences."""

import re

import pytest
from django.core import mail
from django.test import Client

from core.scoping import merchant_scope
from flows.models import Flow, MarketingPreference, Suppression
from flows.selectors import marketing_subscribed
from flows.services import default_flows_install
from flows.tokens import preference_token


@pytest.fixture
def welcome(merchant):
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        journey = Flow.objects.get(key="post-purchase")
        return journey, journey.steps.get(key="welcome")


def links_of(email) -> dict[str, str]:
    html = email.alternatives[0][0]
    return {
        "unsubscribe": re.search(r"<(https?://[^>]+/e/u/[^>]+)>", email.extra_headers["List-Unsubscribe"]).group(1),
        "preferences": re.search(r'href="(https?://[^"]+/e/p/[^"]+)"', html).group(1),
    }


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_test_email_links_say_so_and_change_nothing(staff_client, owner, merchant, welcome, language):
    journey, step = welcome
    staff_client.post(f"/app/flows/{journey.pk}/steps/{step.pk}/test/", {"language": language})
    [email] = mail.outbox
    visitor = Client()
    for url in links_of(email).values():
        shown = visitor.get(path(url))
        assert shown.status_code == 200 and "test email" in shown.content.decode()
        for body in ({"List-Unsubscribe": "One-Click"}, {"marketing": "off"}):
            answer = visitor.post(path(url), body)
            assert answer.status_code == 200 and "Nothing has been changed" in answer.content.decode()
    with merchant_scope(merchant):
        assert not Suppression.objects.exists() and not MarketingPreference.objects.exists()
        assert marketing_subscribed(merchant=merchant, address=owner.email)


@pytest.mark.django_db
def test_a_real_emails_link_still_unsubscribes(merchant):
    token = preference_token(merchant_id=merchant.pk, address="camille@example.org")
    Client().post(f"/e/u/{token}/", {"List-Unsubscribe": "One-Click"})
    assert not marketing_subscribed(merchant=merchant, address="camille@example.org")


@pytest.mark.django_db
def test_a_test_link_of_another_shop_or_forged_is_refused(merchant):
    token = preference_token(merchant_id=merchant.pk, address="a@example.org", test=True)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().post(f"/e/u/{forged}/").status_code == 400
