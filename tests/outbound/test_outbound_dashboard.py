"""Dashboard pages of outbound webhooks under /app/settings/webhooks/."""

import pytest

from core.scoping import merchant_scope, unscoped
from merchants.models import Role
from outbound.models import OutboundMessage, WebhookEndpoint
from tests.conftest import login_as
from tests.factories import MembershipFactory, OrderFactory, UserFactory

from .outbound_support import Reply, endpoint_for, publish

pytestmark = pytest.mark.django_db

BASE = "/app/settings/webhooks/"


def endpoints_of(merchant):
    with merchant_scope(merchant):
        return list(WebhookEndpoint.objects.all())


def test_create_shows_the_secret_once(staff_client, merchant, fake_dns):
    assert staff_client.get(BASE).status_code == 200
    assert staff_client.get(f"{BASE}new/").status_code == 200
    response = staff_client.post(
        f"{BASE}new/",
        {"url": "https://hooks.example.com/in", "description": "ERP", "event_types": ["order.created", "shipment.*"]},
    )
    [endpoint] = endpoints_of(merchant)
    assert response.status_code == 302 and response.url == f"{BASE}{endpoint.pk}/secret/"
    page = staff_client.get(response.url)
    assert page.status_code == 200
    assert endpoint.secret in page.content.decode()
    assert "no-store" in page["Cache-Control"].split(", ")
    again = staff_client.get(response.url)  # shown once only
    assert again.status_code == 302 and again.url == f"{BASE}{endpoint.pk}/"
    detail = staff_client.get(again.url).content.decode()
    assert endpoint.secret not in detail
    assert endpoint.event_types == ["order.created", "shipment.*"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://127.0.0.1/in", "event_types": ["*"]}, "loopback"),
        ({"url": "ftp://hooks.example.com/in", "event_types": ["*"]}, "http://"),
        ({"url": "not a url", "event_types": ["*"]}, "valid URL"),
        ({"url": "https://hooks.example.com/in", "event_types": ["order.shipped"]}, "order.shipped"),
        ({"url": "https://hooks.example.com/in"}, "at least one event type"),
    ],
)
def test_bad_input_shows_an_error_and_stores_nothing(staff_client, merchant, fake_dns, data, message):
    response = staff_client.post(f"{BASE}new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert endpoints_of(merchant) == []


def test_edit_disable_enable_rotate_delete(staff_client, merchant, fake_dns):
    issued = endpoint_for(merchant, "https://hooks.example.com/in", ["order.created"])
    endpoint = issued.endpoint
    url = f"{BASE}{endpoint.pk}/"
    saved = staff_client.post(url, {"url": "https://shop.example.org/hook", "event_types": ["*"], "description": "x"})
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.description) == ("https://shop.example.org/hook", ["*"], "x")

    bad = staff_client.post(url, {"url": "http://10.0.0.1/", "event_types": ["*"]})
    assert bad.status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.url == "https://shop.example.org/hook"

    staff_client.post(f"{url}toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    staff_client.post(f"{url}toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active

    rotated = staff_client.post(f"{url}rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != issued.secret
    assert endpoint.secret in staff_client.get(rotated.url).content.decode()

    assert staff_client.get(f"{url}delete/").status_code == 200
    assert staff_client.post(f"{url}delete/").status_code == 302
    assert endpoints_of(merchant) == []


def test_state_changes_need_post(staff_client, merchant, fake_dns):
    endpoint = endpoint_for(merchant, "https://hooks.example.com/in").endpoint
    assert staff_client.get(f"{BASE}{endpoint.pk}/toggle/").status_code == 405
    assert staff_client.get(f"{BASE}{endpoint.pk}/rotate-secret/").status_code == 405


@pytest.fixture
def failed_delivery(merchant, receiver, allow_private, django_capture_on_commit_callbacks):
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    receiver.reply(Reply(status=500, body=b"boom"), Reply(status=500, body=b"boom"))
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    publish(
        merchant,
        "order.created",
        order=order,
        payload={"order_id": order.pk},
        capture=django_capture_on_commit_callbacks,
    )
    with merchant_scope(merchant):
        return endpoint, OutboundMessage.objects.get()


def test_delivery_log_and_resend(staff_client, failed_delivery, receiver, django_capture_on_commit_callbacks):
    endpoint, message = failed_delivery
    detail = staff_client.get(f"{BASE}{endpoint.pk}/").content.decode()
    assert "order.created" in detail and f"{BASE}deliveries/{message.pk}/" in detail
    page = staff_client.get(f"{BASE}deliveries/{message.pk}/").content.decode()
    assert "HTTP 500" in page and "boom" in page and message.message_id in page
    assert staff_client.get(f"{BASE}deliveries/{message.pk}/resend/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{BASE}deliveries/{message.pk}/resend/")
    assert response.status_code == 302
    assert len(receiver.received) == 2
    with merchant_scope(message.merchant):
        assert message.attempts.count() == 2
    filtered = staff_client.get(f"{BASE}{endpoint.pk}/?status=succeeded").content.decode()
    assert f"{BASE}deliveries/{message.pk}/" not in filtered


def test_list_page_in_french(staff_client, owner, failed_delivery):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = staff_client.get(BASE).content.decode()
    assert "Webhooks sortants" in page
    assert "Ajouter un endpoint" in page


def test_another_merchants_staff_sees_and_touches_nothing(client, other_merchant, failed_delivery, receiver):
    endpoint, message = failed_delivery
    stranger = UserFactory(email="stranger@other.example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=stranger, role=Role.OWNER)
    login_as(client, stranger, other_merchant)
    assert endpoint.url not in client.get(BASE).content.decode()
    for method, path in [
        ("get", f"{BASE}{endpoint.pk}/"),
        ("post", f"{BASE}{endpoint.pk}/"),
        ("get", f"{BASE}{endpoint.pk}/secret/"),
        ("post", f"{BASE}{endpoint.pk}/toggle/"),
        ("post", f"{BASE}{endpoint.pk}/rotate-secret/"),
        ("post", f"{BASE}{endpoint.pk}/delete/"),
        ("get", f"{BASE}deliveries/{message.pk}/"),
        ("post", f"{BASE}deliveries/{message.pk}/resend/"),
    ]:
        assert getattr(client, method)(path).status_code == 404, (method, path)
    with unscoped():
        endpoint.refresh_from_db()
    assert endpoint.is_active
    assert len(receiver.received) == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_pages_need_the_admin_role(client, merchant, fake_dns, role):
    endpoint = endpoint_for(merchant, "https://hooks.example.com/in").endpoint
    user = UserFactory(email=f"{role}@example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    login_as(client, user, merchant)
    assert client.get(BASE).status_code == 403
    assert client.post(f"{BASE}new/", {"url": "https://hooks.example.com/x", "event_types": ["*"]}).status_code == 403
    assert client.post(f"{BASE}{endpoint.pk}/delete/").status_code == 403
    assert len(endpoints_of(merchant)) == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get(BASE)
    assert response.status_code == 302 and "/accounts/login/" in response.url
