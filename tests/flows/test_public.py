"""Unsubscribe (RFC 8058 one-click), preference page and tracked links."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import EventKind, Message, MessageEvent, MessageStatus, ScheduledMessage, Suppression
from flows.selectors import marketing_subscribed
from flows.tokens import click_token, preference_token

from .helpers import place_order, publish_pending

PLACED = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def welcome(merchant):
    """A sent J+2 welcome email (marketing) and its Message."""
    merchant.website_url = "https://maison-lumiere.example.com"
    merchant.save()
    with time_machine.travel(PLACED, tick=False):
        order = place_order(merchant, placed_at=PLACED, time_zone="Europe/Paris")
        publish_pending(merchant)
    with time_machine.travel(PLACED + timedelta(days=2), tick=False):
        dispatch_due()
    email = next(m for m in mail.outbox if "Bienvenue" in m.subject)
    with merchant_scope(merchant):
        message = Message.objects.get(step__key="welcome")
    return {"order": order, "email": email, "message": message}


@pytest.fixture(autouse=True)
def a_day_later():
    """Links are signed with the frozen clock of the sending: open them a day later, not years."""
    with time_machine.travel(PLACED + timedelta(days=3), tick=False):
        yield


def unsubscribe_path(email):
    return email.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:8000")


@pytest.mark.django_db
def test_get_shows_a_confirmation_and_changes_nothing(merchant, welcome):
    response = Client().get(unsubscribe_path(welcome["email"]))
    assert response.status_code == 200
    assert b"camille@example.org" in response.content
    assert marketing_subscribed(merchant=merchant, address="camille@example.org")


@pytest.mark.django_db
@pytest.mark.parametrize("multipart", [False, True])
def test_one_click_post_unsubscribes_without_cookie_csrf_or_redirect(merchant, welcome, multipart):
    client = Client(enforce_csrf_checks=True)
    path = unsubscribe_path(welcome["email"])
    if multipart:
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
    else:
        response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200  # never a redirect
    assert not marketing_subscribed(merchant=merchant, address="camille@example.org")
    with merchant_scope(merchant):
        assert Suppression.objects.filter(address="camille@example.org", scope="marketing").exists()
        assert Message.objects.get(pk=welcome["message"].pk).unsubscribed_at is not None
    # Takes effect immediately: the next marketing step is skipped.
    with time_machine.travel(PLACED + timedelta(days=5, hours=2), tick=False):
        dispatch_due()
    with merchant_scope(merchant):
        row = ScheduledMessage.objects.get(step__key="education")
    assert (row.status, row.skip_reason) == (MessageStatus.SKIPPED, "unsubscribed")


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "eyJtIjoxLCJhIjoieEB5LnoifQ:1tp6Ku:forged"])
def test_bad_signature_shows_a_friendly_page_and_changes_nothing(merchant, token):
    client = Client()
    for response in (
        client.get(f"/e/u/{token}/"),
        client.post(f"/e/u/{token}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    with merchant_scope(merchant):
        assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_expired_link_changes_nothing(merchant):
    with time_machine.travel(PLACED - timedelta(days=400)):
        token = preference_token(merchant_id=merchant.pk, address="camille@example.org")
    response = Client().post(f"/e/u/{token}/")
    assert response.status_code == 400
    with merchant_scope(merchant):
        assert not Suppression.objects.exists()


@pytest.mark.django_db
def test_preference_page_turns_marketing_off_and_on(merchant):
    token = preference_token(merchant_id=merchant.pk, address="camille@example.org")
    client = Client()
    page = client.get(f"/e/p/{token}/?lang=en")
    assert page.status_code == 200 and "News and offers" in page.content.decode()
    assert client.post(f"/e/p/{token}/", {"marketing": "off"}).status_code == 302
    assert not marketing_subscribed(merchant=merchant, address="camille@example.org")
    client.post(f"/e/p/{token}/", {"marketing": "on"})
    assert marketing_subscribed(merchant=merchant, address="camille@example.org")
    assert client.post(f"/e/p/{token}/", {"marketing": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_every_email_links_to_the_preference_page(welcome):
    assert "/e/p/" in welcome["email"].body
    confirmation = mail.outbox[0]
    assert "/e/p/" in confirmation.body and "/e/p/" in confirmation.alternatives[0][0]


@pytest.mark.django_db
def test_click_tracking_redirects_only_to_the_shops_domains(merchant, welcome):
    message = welcome["message"]
    good = click_token(scheduled_id=message.scheduled_id, url="https://maison-lumiere.example.com/new")
    response = Client().get(f"/e/c/{good}/")
    assert response.status_code == 302 and response["Location"] == "https://maison-lumiere.example.com/new"
    with merchant_scope(merchant):
        assert Message.objects.get(pk=message.pk).clicked_at is not None
    evil = click_token(scheduled_id=message.scheduled_id, url="https://evil.example.net/")
    assert Client().get(f"/e/c/{evil}/").status_code == 400
    assert Client().get("/e/c/not-a-token/").status_code == 400


@pytest.mark.django_db
def test_a_refused_link_is_not_counted_as_a_click(merchant, welcome):
    message = welcome["message"]
    evil = click_token(scheduled_id=message.scheduled_id, url="https://evil.example.net/")
    assert Client().get(f"/e/c/{evil}/").status_code == 400
    with merchant_scope(merchant):
        assert Message.objects.get(pk=message.pk).clicked_at is None
        assert not MessageEvent.objects.filter(message=message, kind=EventKind.CLICKED).exists()


@pytest.mark.django_db
def test_marketing_links_in_the_html_go_through_click_tracking(merchant):
    merchant.website_url = "https://maison-lumiere.example.com"
    merchant.save()
    with time_machine.travel(PLACED, tick=False):
        place_order(merchant, placed_at=PLACED, time_zone="Europe/Paris")
        publish_pending(merchant)
    with time_machine.travel(PLACED + timedelta(days=30), tick=False):
        dispatch_due()
    reactivation = next(m for m in mail.outbox if "nouveautés" in m.subject)
    html = reactivation.alternatives[0][0]
    assert 'href="http://localhost:8000/e/c/' in html
    assert 'href="https://maison-lumiere.example.com"' not in html
