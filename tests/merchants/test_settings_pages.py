"""Settings pages: branding, team and invitations, integrations; roles and tenant isolation."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image

from core.scoping import merchant_scope, unscoped
from merchants.models import IntegrationSecret, Invitation, Membership, Merchant, Role, User
from merchants.services import integration_secret_rotate, invitation_create
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "settings"}}
    caches["default"].clear()  # locmem stores are per process: start each test empty


def staff(merchant, role, email=None):
    user = UserFactory(email=email) if email else UserFactory()
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(Client(), user, merchant)


def png_bytes(size=(40, 20), noise=False):
    image = Image.new("RGB", size, "#aa3366")
    if noise:
        image = Image.frombytes("RGB", size, __import__("os").urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


BRANDING = {
    "name": "Maison Lumière Paris",
    "primary_color": "#aa3366",
    "support_email": "aide@maison-lumiere.example.com",
    "sender_name": "Maison Lumière",
    "sender_email": "bonjour@maison-lumiere.example.com",
    "website_url": "https://maison-lumiere.example.com",
    "time_zone": "Europe/Brussels",
    "default_language": "en",
    "currency": "CHF",
}

ADMIN_PAGES = ["settings:branding", "settings:api-keys", "settings:integrations", "webhooks:index"]


# --- Access by role ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [*ADMIN_PAGES, "settings:team"])
def test_viewer_and_agent_cannot_reach_admin_settings(merchant, name):
    for role in (Role.VIEWER, Role.AGENT):
        response = staff(merchant, role).get(reverse(name))
        assert response.status_code == 403
        assert "Access denied" in response.text


def test_viewer_is_refused_in_their_own_language(merchant):
    client = staff(merchant, Role.VIEWER)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    user.language = "fr"
    user.save()
    response = client.get(reverse("settings:branding"))
    assert response.status_code == 403
    assert "Accès refusé" in response.text


def test_viewer_cannot_post_branding_either(merchant):
    response = staff(merchant, Role.VIEWER).post(reverse("settings:branding"), BRANDING)
    assert response.status_code == 403
    merchant.refresh_from_db()
    assert merchant.name == "Maison Lumière"


def test_admin_reaches_settings_but_not_the_team(merchant):
    client = staff(merchant, Role.ADMIN)
    for name in ADMIN_PAGES:
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("settings:team")).status_code == 403


def test_settings_index_shows_each_role_what_it_may_use(merchant):
    viewer_page = staff(merchant, Role.VIEWER).get(reverse("settings:index"))
    assert viewer_page.status_code == 200
    assert reverse("settings:branding") not in viewer_page.text
    assert reverse("profile") in viewer_page.text
    owner_page = staff(merchant, Role.OWNER).get(reverse("settings:index")).text
    for name in [*ADMIN_PAGES, "settings:team"]:
        assert reverse(name) in owner_page


def test_settings_link_is_in_the_sidebar(staff_client):
    assert f'href="{reverse("settings:index")}" class="sidebar-settings"' in staff_client.get(reverse("home")).text


# --- Branding ------------------------------------------------------------------------------


def test_branding_saves_every_field(staff_client, merchant):
    response = staff_client.post(reverse("settings:branding"), BRANDING)
    assert response.status_code == 302
    merchant.refresh_from_db()
    for field, value in BRANDING.items():
        assert getattr(merchant, field) == value


def test_branding_logo_upload_and_removal(staff_client, merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    assert staff_client.post(reverse("settings:branding"), {**BRANDING, "logo": logo}).status_code == 302
    merchant.refresh_from_db()
    assert merchant.logo.name.startswith("logos/")
    assert (tmp_path / merchant.logo.name).exists()
    portal = Client().get(reverse("portal:home", kwargs={"merchant_slug": merchant.slug}))
    assert merchant.logo.url in portal.text
    assert staff_client.post(reverse("settings:branding"), {**BRANDING, "logo-clear": "on"}).status_code == 302
    merchant.refresh_from_db()
    assert not merchant.logo


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"primary_color": "red"}, "primary_color", "Use a hex colour such as #1f6feb."),
        ({"support_email": "not-an-email"}, "support_email", "Enter a valid email address."),
        ({"sender_email": "@example.com"}, "sender_email", "Enter a valid email address."),
        ({"currency": "EURO"}, "currency", "Select a valid choice."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"default_language": "de"}, "default_language", "Select a valid choice."),
        ({"website_url": "not a url"}, "website_url", "Enter a valid URL."),
    ],
)
def test_branding_bad_input_is_explained_and_changes_nothing(staff_client, merchant, changes, field, message):
    before = Merchant.objects.values().get(pk=merchant.pk)
    response = staff_client.post(reverse("settings:branding"), {**BRANDING, **changes})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "Nothing was saved" in response.text
    assert Merchant.objects.values().get(pk=merchant.pk) == before
    # The page header still shows the stored name, not the rejected input.
    assert response.context["current_merchant"].name == "Maison Lumière"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"this is not an image", content_type="image/png"), "Upload a valid image"),
        (
            SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"),
            "Upload a valid image",
        ),
    ],
)
def test_branding_refuses_files_that_are_not_images(staff_client, merchant, upload, message, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = staff_client.post(reverse("settings:branding"), {**BRANDING, "logo": upload})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["logo"])
    merchant.refresh_from_db()
    assert not merchant.logo and merchant.name == "Maison Lumière"
    assert not any(tmp_path.rglob("*.*"))


def test_branding_refuses_a_logo_over_1_mb(staff_client, merchant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = png_bytes(size=(700, 700), noise=True)
    assert len(big) > 1024 * 1024
    response = staff_client.post(
        reverse("settings:branding"), {**BRANDING, "logo": SimpleUploadedFile("big.png", big, content_type="image/png")}
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.text
    merchant.refresh_from_db()
    assert not merchant.logo


# --- Team and invitations ----------------------------------------------------------------------


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invite form and run what it schedules after commit (the email)."""

    def send(client, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("settings:team-invite"), data)

    return send


def accept_path(message):
    return re.search(r"https?://[^/\s]+(/accounts/invitations/[^\s/]+/)", message.body).group(1)


def test_owner_invites_a_new_person_who_sets_a_password_and_joins(invite, staff_client, merchant, owner):
    response = invite(staff_client, {"email": "New.Person@Example.com", "role": "agent"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Rejoignez Maison Lumière sur le tableau de bord après-achat"  # the shop's language
    assert "text/html" in [alternative[1] for alternative in message.alternatives]
    path = accept_path(message)
    token = path.rstrip("/").rsplit("/", 1)[1]
    with merchant_scope(merchant):
        invitation = Invitation.objects.get()
    assert token not in invitation.token_hash and invitation.token_hash == Invitation.hash_token(token)

    newcomer = Client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "Maison Lumière" in page.text
    joined = newcomer.post(
        path, {"full_name": "Léa", "password1": "a long passphrase", "password2": "a long passphrase"}
    )
    assert joined.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long passphrase")
    with merchant_scope(merchant):
        assert Membership.objects.get(user=user).role == Role.AGENT
    assert newcomer.get(reverse("home")).context["current_merchant"] == merchant
    # Single use.
    assert Client().get(path).status_code == 404


def test_invitation_signup_with_mismatched_or_weak_passwords_creates_nothing(invite, staff_client, merchant):
    invite(staff_client, {"email": "lea@example.com", "role": "viewer"})
    path = accept_path(mail.outbox[0])
    client = Client()
    mismatch = client.post(path, {"password1": "a long passphrase", "password2": "another passphrase"})
    assert mismatch.status_code == 400 and "The two passwords are different." in mismatch.text
    weak = client.post(path, {"password1": "123", "password2": "123"})
    assert weak.status_code == 400 and "too short" in weak.text
    assert not User.objects.filter(email="lea@example.com").exists()
    with merchant_scope(merchant):
        assert Invitation.objects.get().accepted_at is None


def test_existing_user_logs_in_then_accepts(invite, staff_client, merchant, other_merchant):
    existing = UserFactory(email="agent@elsewhere.example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=existing, role=Role.OWNER)
    invite(staff_client, {"email": existing.email, "role": "admin"})
    path = accept_path(mail.outbox[0])
    anonymous = Client().get(path)
    assert "Log in with it to accept" in anonymous.text
    client = login_as(Client(), existing, other_merchant)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    with merchant_scope(merchant):
        assert Membership.objects.get(user=existing).role == Role.ADMIN
    assert client.session["current_merchant_id"] == merchant.pk


def test_invitation_opened_by_another_account_is_refused(invite, staff_client, merchant):
    invite(staff_client, {"email": "lea@example.com", "role": "viewer"})
    path = accept_path(mail.outbox[0])
    intruder = login_as(Client(), UserFactory(email="intruder@example.com"))
    assert intruder.get(path).status_code == 403
    assert intruder.post(path).status_code == 403
    with merchant_scope(merchant):
        assert not Membership.objects.filter(user__email="intruder@example.com").exists()


def test_expired_and_unknown_invitations_are_refused(merchant, owner, time_machine):
    issued = invitation_create(merchant=merchant, email="late@example.com", role=Role.AGENT, invited_by=owner)
    path = reverse("invitation-accept", kwargs={"token": issued.token})
    time_machine.move_to(timezone.now() + timedelta(days=8))
    response = Client().post(path, {"password1": "a long passphrase", "password2": "a long passphrase"})
    assert response.status_code == 404
    assert "not valid" in response.text
    assert Client().get(reverse("invitation-accept", kwargs={"token": "made-up"})).status_code == 404
    assert not User.objects.filter(email="late@example.com").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "agent"}, "Enter a valid email address."),
        ({"email": "lea@example.com", "role": "emperor"}, "Select a valid choice."),
        ({"email": "owner@maison-lumiere.example.com", "role": "agent"}, "is already a member of this team"),
    ],
)
def test_invite_bad_input_sends_nothing(invite, staff_client, merchant, data, message):
    response = invite(staff_client, data)
    assert response.status_code == 400
    assert message in response.text
    assert mail.outbox == []
    with merchant_scope(merchant):
        assert not Invitation.objects.exists()


def test_invitation_emails_are_limited_per_shop(invite, staff_client, merchant, other_merchant, monkeypatch):
    from core.rate_limits import RateLimit
    from merchants import settings_views

    monkeypatch.setattr(settings_views, "INVITATIONS_PER_SHOP", RateLimit("team:invitations", limit=2, window=3600))
    for number in range(2):
        assert invite(staff_client, {"email": f"person{number}@example.com", "role": "agent"}).status_code == 302
    refused = invite(staff_client, {"email": "person2@example.com", "role": "agent"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3500
    assert "This shop has sent many invitations in the last hour. Try again in 60 minutes." in refused.text
    assert len(mail.outbox) == 2
    with merchant_scope(merchant):
        assert not Invitation.objects.filter(email="person2@example.com").exists()
    # Another shop's owner still invites.
    other_owner = staff(other_merchant, Role.OWNER, email="owner@other.example.com")
    assert invite(other_owner, {"email": "person2@example.com", "role": "agent"}).status_code == 302


def test_owner_can_cancel_an_invitation(staff_client, merchant, owner):
    issued = invitation_create(merchant=merchant, email="lea@example.com", role=Role.AGENT, invited_by=owner)
    response = staff_client.post(reverse("settings:invitation-revoke", kwargs={"pk": issued.invitation.pk}))
    assert response.status_code == 302
    assert Client().get(reverse("invitation-accept", kwargs={"token": issued.token})).status_code == 404


def member_of(merchant, role, email):
    user = UserFactory(email=email)
    with merchant_scope(merchant):
        return MembershipFactory(merchant=merchant, user=user, role=role)


def test_owner_changes_a_role_and_removes_a_member(staff_client, merchant):
    member = member_of(merchant, Role.AGENT, "agent@example.com")
    team_page = staff_client.get(reverse("settings:team")).text
    assert "agent@example.com" in team_page
    assert (
        staff_client.post(reverse("settings:member-role", kwargs={"pk": member.pk}), {"role": "admin"}).status_code
        == 302
    )
    member.refresh_from_db()
    assert member.role == Role.ADMIN
    assert staff_client.post(reverse("settings:member-remove", kwargs={"pk": member.pk})).status_code == 302
    with merchant_scope(merchant):
        assert not Membership.objects.filter(pk=member.pk).exists()


def test_the_last_owner_can_be_neither_demoted_nor_removed(staff_client, merchant, owner):
    with merchant_scope(merchant):
        own = Membership.objects.get(user=owner)
    demote = staff_client.post(reverse("settings:member-role", kwargs={"pk": own.pk}), {"role": "admin"})
    assert demote.status_code == 400
    assert "at least one owner" in demote.text
    remove = staff_client.post(reverse("settings:member-remove", kwargs={"pk": own.pk}))
    assert remove.status_code == 400
    assert "last owner cannot be removed" in remove.text
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_an_owner_may_step_down_when_another_owner_remains(staff_client, merchant, owner):
    member_of(merchant, Role.OWNER, "second-owner@example.com")
    with merchant_scope(merchant):
        own = Membership.objects.get(user=owner)
    assert (
        staff_client.post(reverse("settings:member-role", kwargs={"pk": own.pk}), {"role": "admin"}).status_code == 302
    )
    own.refresh_from_db()
    assert own.role == Role.ADMIN


def test_role_change_with_an_unknown_role_changes_nothing(staff_client, merchant):
    member = member_of(merchant, Role.AGENT, "agent@example.com")
    response = staff_client.post(reverse("settings:member-role", kwargs={"pk": member.pk}), {"role": "god"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.role == Role.AGENT


def test_admin_cannot_change_roles(merchant):
    member = member_of(merchant, Role.VIEWER, "viewer@example.com")
    admin = staff(merchant, Role.ADMIN)
    assert admin.post(reverse("settings:member-role", kwargs={"pk": member.pk}), {"role": "owner"}).status_code == 403
    member.refresh_from_db()
    assert member.role == Role.VIEWER


# --- Integrations ---------------------------------------------------------------------------------


def test_integrations_show_webhook_urls_and_never_the_stored_secret(staff_client, merchant, settings):
    response = staff_client.post(
        reverse("settings:integrations"), {"provider": "shopify", "secret": "shpss_0123456789abcdef"}
    )
    assert response.status_code == 302
    page = staff_client.get(reverse("settings:integrations")).text
    for provider in ("shopify", "woocommerce", "aftership", "easypost"):
        path = f"/webhooks/{provider}/maison-lumiere/"
        assert f"{settings.SITE_URL}{path}" in page
        assert resolve(path).kwargs == {"merchant_slug": "maison-lumiere"}
    assert "shpss_0123456789abcdef" not in page
    assert "Secret set on" in page
    with merchant_scope(merchant):
        assert list(IntegrationSecret.objects.values_list("provider", "secret")) == [
            ("shopify", "shpss_0123456789abcdef")
        ]


def test_rotation_keeps_the_previous_secret_until_retired(staff_client, merchant, time_machine):
    for number, secret in enumerate(("first-secret-1", "second-secret-2", "third-secret-3")):
        time_machine.move_to(timezone.now() + timedelta(minutes=number + 1))
        staff_client.post(reverse("settings:integrations"), {"provider": "woocommerce", "secret": secret})
    with merchant_scope(merchant):
        active = set(IntegrationSecret.objects.filter(retired_at__isnull=True).values_list("secret", flat=True))
    assert active == {"second-secret-2", "third-secret-3"}
    assert "Rotation in progress" in staff_client.get(reverse("settings:integrations")).text
    staff_client.post(reverse("settings:integration-retire"), {"provider": "woocommerce"})
    with merchant_scope(merchant):
        active = list(IntegrationSecret.objects.filter(retired_at__isnull=True).values_list("secret", flat=True))
    assert active == ["third-secret-3"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"provider": "shopify", "secret": "short"}, "at least 8 characters"),
        ({"provider": "shopify", "secret": "has a space inside"}, "contains spaces"),
        ({"provider": "shopify", "secret": ""}, "This field is required."),
        ({"provider": "stripe", "secret": "long-enough-secret"}, "Unknown integration."),
    ],
)
def test_integration_bad_input_stores_nothing(staff_client, merchant, data, message):
    response = staff_client.post(reverse("settings:integrations"), data)
    assert response.status_code == 400
    assert message in response.text
    with merchant_scope(merchant):
        assert not IntegrationSecret.objects.exists()


def test_retire_with_an_unknown_provider_is_refused(staff_client):
    response = staff_client.post(reverse("settings:integration-retire"), {"provider": "stripe"})
    assert response.status_code == 400


# --- Tenant isolation ------------------------------------------------------------------------------


def test_another_merchants_owner_sees_only_their_own_settings(merchant, other_merchant, owner):
    member_of(merchant, Role.AGENT, "secret-teammate@example.com")
    integration_secret_rotate(merchant=merchant, provider="shopify", secret="merchant-a-secret")
    intruder = staff(other_merchant, Role.OWNER, email="boss@other-shop.example.com")
    branding = intruder.get(reverse("settings:branding"))
    assert branding.context["form"].instance == other_merchant
    team = intruder.get(reverse("settings:team")).text
    assert "secret-teammate@example.com" not in team and owner.email not in team
    integrations = intruder.get(reverse("settings:integrations")).text
    assert "/webhooks/shopify/other-shop/" in integrations and "Secret set on" not in integrations


def test_another_merchants_owner_cannot_change_this_team(merchant, other_merchant, owner):
    member = member_of(merchant, Role.AGENT, "agent@example.com")
    issued = invitation_create(merchant=merchant, email="lea@example.com", role=Role.AGENT, invited_by=owner)
    intruder = staff(other_merchant, Role.OWNER)
    assert (
        intruder.post(reverse("settings:member-role", kwargs={"pk": member.pk}), {"role": "viewer"}).status_code == 404
    )
    assert intruder.post(reverse("settings:member-remove", kwargs={"pk": member.pk})).status_code == 404
    assert intruder.post(reverse("settings:invitation-revoke", kwargs={"pk": issued.invitation.pk})).status_code == 404
    member.refresh_from_db()
    assert member.role == Role.AGENT
    with unscoped():
        assert Invitation.objects.filter(pk=issued.invitation.pk).exists()


def test_branding_post_by_another_merchant_changes_only_their_own(merchant, other_merchant):
    intruder = staff(other_merchant, Role.ADMIN)
    assert intruder.post(reverse("settings:branding"), BRANDING).status_code == 302
    merchant.refresh_from_db()
    other_merchant.refresh_from_db()
    assert merchant.name == "Maison Lumière"
    assert other_merchant.name == BRANDING["name"]
