"""API keys: created from the settings page and shown once, listed, revoked; how the API treats them."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.scoping import merchant_scope, unscoped
from merchants.models import ApiKey, Role
from merchants.services import api_key_issue, api_key_revoke
from tests.conftest import api_client_for, login_as
from tests.factories import MembershipFactory, UserFactory

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "keys"}}
    caches["default"].clear()  # locmem stores are per process: start each test empty


# --- Settings page ---------------------------------------------------------------------------


def test_new_key_is_shown_once_then_only_its_prefix(staff_client, merchant, owner):
    response = staff_client.post(reverse("settings:api-keys"), {"name": "ERP sync", "role": "agent"})
    assert response.status_code == 302
    assert response.url == reverse("settings:api-key-created")
    shown = staff_client.get(response.url)
    plaintext = shown.context["plaintext"]
    assert plaintext.startswith("pp_") and plaintext in shown.text
    assert "no-store" in shown["Cache-Control"].split(", ")
    with merchant_scope(merchant):
        key = ApiKey.objects.get()
    assert (key.name, key.role, key.created_by) == ("ERP sync", Role.AGENT, owner)
    assert plaintext not in key.key_hash
    # Gone on the next view; the list shows only the prefix.
    assert staff_client.get(reverse("settings:api-key-created")).status_code == 302
    listing = staff_client.get(reverse("settings:api-keys")).text
    assert plaintext not in listing
    assert f"pp_{key.prefix}" in listing and "ERP sync" in listing and "never" in listing
    # And the key works.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get(ME).json()["key"]["role"] == "agent"


def test_list_shows_last_use(staff_client, merchant):
    issued = api_key_issue(merchant=merchant, name="Shop app", role=Role.VIEWER)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    api.get(ME)
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None
    listing = staff_client.get(reverse("settings:api-keys"))
    assert listing.context["keys"][0].last_used_at == issued.api_key.last_used_at
    assert "never" not in listing.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "role": "agent"}, "This field is required."),
        ({"name": "x" * 81, "role": "agent"}, "at most 80 characters"),
        ({"name": "Owner key", "role": "owner"}, "Select a valid choice."),
        ({"name": "Odd key", "role": "root"}, "Select a valid choice."),
    ],
)
def test_key_creation_bad_input_creates_nothing(staff_client, merchant, data, message):
    response = staff_client.post(reverse("settings:api-keys"), data)
    assert response.status_code == 400
    assert message in response.text
    with merchant_scope(merchant):
        assert not ApiKey.objects.exists()


def test_revoked_key_stops_working_at_once(staff_client, merchant):
    issued = api_key_issue(merchant=merchant, name="Old app", role=Role.ADMIN)
    response = staff_client.post(reverse("settings:api-key-revoke", kwargs={"pk": issued.api_key.pk}))
    assert response.status_code == 302
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    assert api.get(ME).status_code == 401
    assert "Revoked" in staff_client.get(reverse("settings:api-keys")).text


def test_revoke_needs_post(staff_client, merchant):
    issued = api_key_issue(merchant=merchant, name="App", role=Role.ADMIN)
    assert staff_client.get(reverse("settings:api-key-revoke", kwargs={"pk": issued.api_key.pk})).status_code == 405
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_viewers_and_agents_cannot_manage_keys(merchant, role):
    issued = api_key_issue(merchant=merchant, name="App", role=Role.ADMIN)
    user = UserFactory()
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    client = login_as(Client(), user, merchant)
    assert client.get(reverse("settings:api-keys")).status_code == 403
    assert client.post(reverse("settings:api-keys"), {"name": "Mine", "role": "admin"}).status_code == 403
    assert client.post(reverse("settings:api-key-revoke", kwargs={"pk": issued.api_key.pk})).status_code == 403
    with merchant_scope(merchant):
        assert ApiKey.objects.count() == 1
        assert ApiKey.objects.get().revoked_at is None


def test_another_merchant_cannot_see_or_revoke_this_merchants_keys(merchant, other_merchant):
    issued = api_key_issue(merchant=merchant, name="Maison key", role=Role.ADMIN)
    intruder = UserFactory()
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=intruder, role=Role.OWNER)
    client = login_as(Client(), intruder, other_merchant)
    assert "Maison key" not in client.get(reverse("settings:api-keys")).text
    assert client.post(reverse("settings:api-key-revoke", kwargs={"pk": issued.api_key.pk})).status_code == 404
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None


# --- The API's view of keys -------------------------------------------------------------------


def test_me_names_the_keys_merchant_and_role(merchant):
    api = api_client_for(merchant, role=Role.VIEWER)
    response = api.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["merchant"] == {"slug": "maison-lumiere", "name": "Maison Lumière"}
    assert body["key"]["role"] == "viewer"
    assert body["key"]["prefix"] == f"pp_{api.api_key.api_key.prefix}"


def test_missing_key_is_401(db):
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer pp_deadbeef_not-a-real-key", "Bearer not-even-our-format", "Token abc", "Bearer ", "Basic dXNlcjpwYXNz"],
)
def test_wrong_key_is_401(merchant, header):
    api_key_issue(merchant=merchant, name="real", role=Role.ADMIN)
    response = APIClient().get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_right_prefix_with_a_wrong_secret_is_401(merchant):
    issued = api_key_issue(merchant=merchant, name="real", role=Role.ADMIN)
    forged = issued.plaintext[:-4] + ("AAAA" if not issued.plaintext.endswith("AAAA") else "BBBB")
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_revoked_key_is_401(merchant):
    api = api_client_for(merchant)
    api_key_revoke(merchant=merchant, api_key_id=api.api_key.api_key.pk)
    response = api.get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_viewer_key_cannot_write(merchant):
    viewer = api_client_for(merchant, role=Role.VIEWER)
    response = viewer.post(ME, {}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    # An admin key passes the role check and meets the endpoint's own answer: it is read-only.
    assert api_client_for(merchant, role=Role.ADMIN).post(ME, {}, format="json").status_code == 405


def test_viewer_key_cannot_create_orders(merchant):
    """The same rule on a real write endpoint."""
    viewer = api_client_for(merchant, role=Role.VIEWER)
    response = viewer.post("/api/v1/orders", {"external_id": "1"}, format="json")
    assert response.status_code == 403
    with unscoped():
        from orders.models import Order

        assert not Order.objects.exists()


def test_each_key_sees_only_its_own_merchant(merchant, other_merchant):
    assert api_client_for(other_merchant).get(ME).json()["merchant"]["slug"] == "other-shop"
    assert api_client_for(merchant).get(ME).json()["merchant"]["slug"] == "maison-lumiere"


def test_unknown_api_route_answers_json_404(merchant):
    response = api_client_for(merchant).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_agent_key_on_an_admin_only_endpoint_is_told_which_role_it_needs(merchant):
    agent = api_client_for(merchant, role=Role.AGENT)
    response = agent.post("/api/v1/webhook-endpoints", {"url": "https://example.com/hook"}, format="json")
    assert response.status_code == 403
    assert "admin role" in response.json()["detail"]
