"""Staff accounts: login and its rate limit, logout, password reset, merchant switching, language."""

import re

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from core.scoping import merchant_scope
from merchants.middleware import SESSION_KEY
from merchants.models import Role
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Login limits live in the cache: give each test its own, away from the shared Redis."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "accounts"}}
    caches["default"].clear()  # locmem stores are per process: start each test empty
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_CLIENT = 5
    settings.LOGIN_LOCKOUT_SECONDS = 600


def log_in(client, email, password, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


# --- Login ---------------------------------------------------------------------------------


def test_login_by_email_and_password_opens_the_dashboard(client, owner, merchant):
    response = log_in(client, "OWNER@maison-lumiere.example.com", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Maison Lumière" in home.text


def test_wrong_password_says_so_and_does_not_log_in(client, owner):
    response = log_in(client, owner.email, "wrong password")
    assert response.status_code == 200
    assert "do not match an account" in response.text
    assert "_auth_user_id" not in client.session


def test_login_page_offers_password_reset(client, db):
    response = client.get(reverse("login"))
    assert reverse("password_reset") in response.text


def test_anonymous_dashboard_redirects_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_failed_logins_lock_the_email_even_for_the_right_password(client, owner):
    for _attempt in range(3):
        log_in(client, owner.email, "wrong password", REMOTE_ADDR="10.0.0.1")
    # Another address, the correct password: still locked, because the email is.
    response = log_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    assert "Too many attempts, try again in 10 minutes." in response.text
    assert int(response["Retry-After"]) > 590
    assert "_auth_user_id" not in client.session


def test_failed_logins_lock_the_client_address_for_every_email(client, owner):
    for number in range(5):
        log_in(client, f"guess{number}@example.com", "wrong password", REMOTE_ADDR="10.0.0.9")
    response = log_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    # The same account from another address is not affected.
    assert log_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_lock_expires_after_the_lockout_period(client, owner, time_machine):
    time_machine.move_to("2026-03-01 10:00:00Z")
    for _attempt in range(3):
        log_in(client, owner.email, "wrong password")
    assert log_in(client, owner.email, PASSWORD).status_code == 429
    time_machine.move_to("2026-03-01 10:05:30Z")
    response = log_in(client, owner.email, PASSWORD)
    assert "try again in 5 minutes" in response.text
    time_machine.move_to("2026-03-01 10:10:01Z")
    assert log_in(client, owner.email, PASSWORD).status_code == 302


def test_successful_login_forgets_earlier_failures_of_the_email(client, owner):
    log_in(client, owner.email, "wrong password", REMOTE_ADDR="10.0.0.1")
    log_in(client, owner.email, "wrong password", REMOTE_ADDR="10.0.0.2")
    assert log_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.3").status_code == 302
    client.post(reverse("logout"))
    log_in(client, owner.email, "wrong password", REMOTE_ADDR="10.0.0.4")
    log_in(client, owner.email, "wrong password", REMOTE_ADDR="10.0.0.5")
    assert log_in(client, owner.email, PASSWORD, REMOTE_ADDR="10.0.0.6").status_code == 302


def test_hammering_one_account_locks_that_account_only(client, owner, merchant):
    colleague = UserFactory(email="colleague@maison-lumiere.example.com")
    for _attempt in range(3):
        log_in(client, owner.email, "wrong password", REMOTE_ADDR="198.51.100.66")
    assert log_in(Client(), owner.email, PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429
    # Other people sign in, from anywhere, the attacker's address included (3 failures < 5 per client).
    assert log_in(Client(), colleague.email, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
    assert log_in(Client(), colleague.email, PASSWORD, REMOTE_ADDR="198.51.100.66").status_code == 302


def test_one_client_trying_many_accounts_is_locked_before_any_account_is(client, owner):
    for number in range(5):
        log_in(client, f"guess{number}@example.com", "wrong password", REMOTE_ADDR="198.51.100.66")
    assert log_in(client, "guess5@example.com", "wrong password", REMOTE_ADDR="198.51.100.66").status_code == 429
    # None of the accounts tried was locked by it.
    assert log_in(Client(), "guess0@example.com", "wrong password", REMOTE_ADDR="10.0.0.1").status_code == 200


def proxied_log_in(client_address, email, password, forwarded_prefix=""):
    """A login that reached the app through one reverse proxy at 10.0.0.1."""
    forwarded = f"{forwarded_prefix}{client_address}"
    return log_in(Client(), email, password, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_proxy_with_num_proxies_1_each_client_has_its_own_count(owner, settings):
    settings.NUM_PROXIES = 1
    for number in range(5):
        proxied_log_in("203.0.113.7", f"guess{number}@example.com", "x")
    assert proxied_log_in("203.0.113.7", owner.email, PASSWORD).status_code == 429
    # Same proxy, another client: not locked.
    assert proxied_log_in("203.0.113.8", owner.email, PASSWORD).status_code == 302


def test_behind_a_proxy_with_num_proxies_0_every_client_shares_the_proxys_count(owner, settings):
    """The trade-off docs/operations.md describes: a wrong NUM_PROXIES locks everyone out together."""
    settings.NUM_PROXIES = 0
    for number in range(5):
        proxied_log_in(f"203.0.113.{number}", f"guess{number}@example.com", "x")
    assert proxied_log_in("203.0.113.99", owner.email, PASSWORD).status_code == 429


def test_made_up_forwarded_for_entries_do_not_free_a_locked_client(owner, settings):
    settings.NUM_PROXIES = 1
    for number in range(5):
        proxied_log_in("203.0.113.7", f"guess{number}@example.com", "x", forwarded_prefix=f"192.0.2.{number}, ")
    response = proxied_log_in("203.0.113.7", owner.email, PASSWORD, forwarded_prefix="192.0.2.200, 192.0.2.201, ")
    assert response.status_code == 429


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored(owner, settings):
    settings.NUM_PROXIES = 0
    for number in range(5):
        log_in(
            Client(),
            f"guess{number}@example.com",
            "x",
            REMOTE_ADDR="198.51.100.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    response = log_in(Client(), owner.email, PASSWORD, REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


# --- The operator admin ---------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


def admin_log_in(client, email, password, **extra):
    data = {"username": email, "password": password, "next": reverse("admin:index")}  # as the admin's form posts
    return client.post(reverse("admin:login"), data, **extra)


def test_operator_logs_in_to_the_admin(client, operator):
    response = admin_log_in(client, operator.email, PASSWORD)
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_admin_login_locks_after_the_same_failures_with_the_same_message(client, operator):
    for _attempt in range(2):
        assert admin_log_in(client, operator.email, "wrong").status_code == 200
    locked = admin_log_in(client, operator.email, "wrong")
    assert locked.status_code == 429 and 590 < int(locked["Retry-After"]) <= 600
    assert "Too many attempts, try again in 10 minutes." in locked.text
    right_password = admin_log_in(client, operator.email, PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    assert right_password.status_code == 429
    assert "Trop de tentatives, réessayez dans 10 minutes." in right_password.text
    assert "_auth_user_id" not in client.session


def test_admin_and_staff_logins_share_the_accounts_count(client, operator):
    for _attempt in range(2):
        log_in(client, operator.email, "wrong", REMOTE_ADDR="10.0.0.1")
    admin_log_in(client, operator.email, "wrong", REMOTE_ADDR="10.0.0.2")
    assert log_in(client, operator.email, PASSWORD, REMOTE_ADDR="10.0.0.3").status_code == 429


def test_admin_counts_the_right_password_of_an_account_it_does_not_admit(client, owner):
    """Otherwise the lock, coming or not, would tell a guesser which password was right."""
    for _attempt in range(3):
        response = admin_log_in(client, owner.email, PASSWORD)
    assert response.status_code == 429


def test_admin_honours_num_proxies_like_every_other_form(operator, settings):
    settings.NUM_PROXIES = 1
    for number in range(5):
        admin_log_in(
            Client(), f"guess{number}@example.com", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
        )
    other = admin_log_in(Client(), operator.email, PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


def test_logout_needs_post(staff_client):
    assert staff_client.get(reverse("logout")).status_code == 405
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in staff_client.session


# --- Password reset ---------------------------------------------------------------------------


def test_password_reset_email_in_the_users_language_lets_them_set_a_new_password(client, owner):
    owner.language = "fr"
    owner.save()
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "mot de passe" in message.subject
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a new long passphrase")


def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert response.status_code == 200
    assert "If an account uses this address" in response.text
    assert mail.outbox == []


def test_password_reset_with_a_malformed_email_shows_the_error(client, db):
    response = client.post(reverse("password_reset"), {"email": "not an email"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.text
    assert mail.outbox == []


def test_password_reset_emails_are_limited_per_account(client, owner):
    for number in range(5):
        response = client.post(reverse("password_reset"), {"email": owner.email}, REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_password_reset_requests_are_limited_per_client(client, owner, settings):
    settings.NUM_PROXIES = 1
    behind_proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for number in range(10):
        assert (
            client.post(reverse("password_reset"), {"email": f"n{number}@example.com"}, **behind_proxy).status_code
            == 302
        )
    refused = client.post(reverse("password_reset"), {"email": owner.email}, **behind_proxy)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 590
    assert "Too many attempts, try again in 10 minutes." in refused.text
    assert mail.outbox == []
    # Another client behind the same proxy still gets its email.
    other = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    assert client.post(reverse("password_reset"), {"email": owner.email}, **other).status_code == 302
    assert len(mail.outbox) == 1


def test_used_reset_link_is_refused(client, owner):
    client.post(reverse("password_reset"), {"email": owner.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"})
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.text


# --- Several merchants, switching -----------------------------------------------------------


@pytest.fixture
def two_shop_user(merchant, other_merchant):
    user = UserFactory(email="both@example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.ADMIN)
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=user, role=Role.VIEWER)
    return user


def test_switcher_lists_every_shop_of_the_person(client, two_shop_user, merchant, other_merchant):
    login_as(client, two_shop_user, merchant)
    page = client.get(reverse("home")).text
    assert reverse("switch-merchant") in page
    assert f'value="{other_merchant.pk}"' in page and f'value="{merchant.pk}"' in page


def test_switching_changes_the_merchant_the_dashboard_works_for(client, two_shop_user, merchant, other_merchant):
    login_as(client, two_shop_user, merchant)
    response = client.post(reverse("switch-merchant"), {"merchant": other_merchant.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_merchant.pk
    home = client.get(reverse("home"))
    assert home.context["current_merchant"] == other_merchant
    assert home.context["current_membership"].role == Role.VIEWER


def test_switching_to_a_shop_one_does_not_belong_to_is_refused(staff_client, merchant, other_merchant):
    for target in (other_merchant.pk, 999999, "not-a-number", ""):
        response = staff_client.post(reverse("switch-merchant"), {"merchant": target})
        assert response.status_code == 404
        assert staff_client.session[SESSION_KEY] == merchant.pk


def test_switch_needs_post(staff_client):
    assert staff_client.get(reverse("switch-merchant")).status_code == 405


def test_no_switcher_for_a_single_shop(staff_client):
    assert reverse("switch-merchant") not in staff_client.get(reverse("home")).text


def test_person_without_any_shop_is_told_so(client, db):
    login_as(client, UserFactory())
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 403
    assert "does not belong to any shop" in response.text


# --- Language and profile -------------------------------------------------------------------


def test_french_speaking_staff_member_sees_french(client, owner, merchant):
    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr">' in response.text
    assert "Vue d’ensemble" in response.text or "Vue d'ensemble" in response.text
    assert "Paramètres" in response.text
    assert "Se déconnecter" in response.text


def test_english_speaking_staff_member_sees_english_even_from_a_french_browser(client, owner, merchant):
    login_as(client, owner, merchant)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en">' in response.text
    assert "Overview" in response.text


def test_profile_changes_name_and_language(staff_client, owner):
    response = staff_client.post(reverse("profile"), {"full_name": "Inès Moreau", "language": "fr"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.full_name, owner.language) == ("Inès Moreau", "fr")
    assert "Votre profil" in staff_client.get(reverse("profile")).text


def test_profile_refuses_an_unknown_language_and_keeps_the_old_one(staff_client, owner):
    response = staff_client.post(reverse("profile"), {"full_name": "X", "language": "de"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    owner.refresh_from_db()
    assert (owner.full_name, owner.language) == ("", "en")


def test_password_change_from_profile(staff_client, owner):
    response = staff_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("another long passphrase")


def test_wrong_old_passwords_lock_the_password_change_like_a_login(staff_client, owner):
    def change(old_password):
        data = {
            "old_password": old_password,
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        }
        return staff_client.post(reverse("password_change"), data)

    for _attempt in range(2):
        assert change("nope").status_code == 200
    assert change("nope").status_code == 429
    response = change(PASSWORD)
    assert response.status_code == 429 and "Too many attempts" in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    # The account is locked for logging in too.
    assert log_in(Client(), owner.email, PASSWORD).status_code == 429


def test_password_change_with_a_wrong_old_password_changes_nothing(staff_client, owner):
    response = staff_client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
