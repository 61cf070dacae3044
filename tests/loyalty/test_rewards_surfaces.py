"""Rewards on every surface: the API, the customer's portal page, the staff pages."""

import pytest
from django.test import Client

from core.scoping import merchant_scope
from loyalty import rewards
from loyalty.models import Redemption, Reward
from merchants.models import Role
from portal import links
from shop_actions import services as shop_actions
from tests.conftest import api_client_for

from .conftest import account_of, adjust
from .rewards_helpers import action_of, attempt, redeem, refreshed, reward
from .test_pages import PAGE_QUERIES, customer_page, member

pytestmark = pytest.mark.django_db
REWARDS_API = "/api/v1/loyalty/rewards"


def redemptions_url(customer):
    return f"/api/v1/customers/{customer.pk}/loyalty/redemptions"


@pytest.fixture
def rich(merchant, customer, program):
    adjust(merchant, customer, 1000, key="staff:start")
    return customer


def redemptions(merchant):
    with merchant_scope(merchant):
        return list(Redemption.objects.all())


# --- API --------------------------------------------------------------------------------------------------


def test_the_rewards_list_shows_what_customers_can_redeem_in_a_fixed_number_of_queries(
    api, merchant, other_merchant, django_assert_num_queries
):
    cheap = reward(merchant, points=100, name_en="Free shipping", name_fr="Livraison offerte", kind="free_shipping")
    reward(merchant, active=False)
    rewards.reward_delete(merchant=merchant, reward=reward(merchant, points=50))
    reward(other_merchant, points=10)
    api.get(REWARDS_API)  # the key's last use is written once in a while, not on every call
    with django_assert_num_queries(3):  # key, count, page
        answer = api.get(REWARDS_API)
    body = answer.json()
    assert answer.status_code == 200 and body["count"] == 1
    assert body["results"] == [
        {
            "id": cheap.pk,
            "kind": "free_shipping",
            "points": 100,
            "value": "0.00",
            "currency": "EUR",
            "name_en": "Free shipping",
            "name_fr": "Livraison offerte",
            "active": True,
        }
    ]
    for n in range(5):
        reward(merchant, points=200 + n, kind="percentage_off", value="10")
    with django_assert_num_queries(3):  # more rewards, not more queries
        page = api.get(REWARDS_API, {"limit": 3}).json()
    assert page["count"] == 6, page
    assert [r["points"] for r in page["results"]] == [100, 200, 201]


def test_redeeming_through_the_api_once_per_idempotency_key(api, merchant, rich):
    offered = reward(merchant)
    first = api.post(redemptions_url(rich), {"reward_id": offered.pk}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = api.post(redemptions_url(rich), {"reward_id": offered.pk}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json() == first.json()
    body = first.json()
    assert (body["reward_id"], body["points"], body["status"], body["code"]) == (offered.pk, 300, "pending", "")
    assert account_of(merchant, rich).available == 700 and len(redemptions(merchant)) == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({}, "reward_id", "required"),
        ({"reward_id": "five"}, "reward_id", "valid integer"),
        ({"reward_id": 0}, "reward_id", "greater than or equal to 1"),
    ],
)
def test_bad_redemption_requests_are_400_naming_the_field(api, merchant, rich, payload, field, message):
    answer = api.post(redemptions_url(rich), payload, format="json")
    assert answer.status_code == 400 and message in answer.json()[field][0]
    assert account_of(merchant, rich).available == 1000


def test_a_redemption_over_the_balance_is_a_400_and_spends_nothing(api, merchant, rich):
    dear = reward(merchant, points=1500)
    answer = api.post(redemptions_url(rich), {"reward_id": dear.pk}, format="json")
    assert answer.status_code == 400 and "Only 1000 points are available" in answer.json()["points"][0]
    assert account_of(merchant, rich).available == 1000 and redemptions(merchant) == []


def test_inactive_rewards_are_400_deleted_and_foreign_ones_404(api, merchant, other_merchant, rich):
    inactive = reward(merchant, active=False)
    answer = api.post(redemptions_url(rich), {"reward_id": inactive.pk}, format="json")
    assert answer.status_code == 400 and "no longer offered" in answer.json()["reward"][0]
    deleted = rewards.reward_delete(merchant=merchant, reward=reward(merchant))
    assert api.post(redemptions_url(rich), {"reward_id": deleted.pk}, format="json").status_code == 404
    foreign = reward(other_merchant)
    assert api.post(redemptions_url(rich), {"reward_id": foreign.pk}, format="json").status_code == 404
    assert account_of(merchant, rich).available == 1000


def test_another_shops_customer_is_a_404_and_viewer_keys_cannot_redeem(other_api, merchant, rich):
    offered = reward(merchant)
    assert other_api.post(redemptions_url(rich), {"reward_id": offered.pk}, format="json").status_code == 404
    viewer = api_client_for(merchant, role=Role.VIEWER)
    assert viewer.post(redemptions_url(rich), {"reward_id": offered.pk}, format="json").status_code == 403
    assert account_of(merchant, rich).available == 1000


# --- The customer's page ------------------------------------------------------------------------------------


def points_url(customer, tail=""):
    return f"/points/{links.customer_token(customer)}/{tail}"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Rewards", "€5 off", "300 points", "Redeem", "700 more points needed"]),
        ("fr", ["Récompenses", "5 € de réduction", "300 points", "Utiliser", "700 points de plus nécessaires"]),
    ],
)
def test_the_portal_offers_the_rewards_the_customer_can_afford(
    merchant, customer, program, language, words, django_assert_max_num_queries
):
    adjust(merchant, customer, 300, key="staff:start")
    reward(merchant)
    reward(merchant, points=1000, name_en="Big", name_fr="Grande")
    with django_assert_max_num_queries(
        14
    ):  # the first visit records it; the settings once; tiers, referrals, rewards, codes
        page = Client().get(points_url(customer, f"?lang={language}"))
    html = page.content.decode()
    assert page.status_code == 200
    for word in words:
        assert word in html, word
    assert html.count('name="reward"') == 1  # only the affordable one has a button


def test_the_customer_redeems_once_per_form_and_sees_the_code_once_the_shop_made_it(merchant, rich):
    offered = reward(merchant)
    browser = Client(enforce_csrf_checks=False)
    form = {"reward": offered.pk, "key": "a" * 32}
    first = browser.post(points_url(rich, "redeem/?lang=en"), form)
    again = browser.post(points_url(rich, "redeem/?lang=en"), form)  # a double click
    assert first.status_code == 302 and again.status_code == 302
    assert first["Location"].endswith("?lang=en#rewards")
    [made] = redemptions(merchant)
    assert account_of(merchant, rich).available == 700
    html = browser.get(points_url(rich, "?lang=en")).content.decode()
    assert "Your code is being made" in html and made.code not in html
    shop_actions.shop_action_confirm(action=attempt(made), result={"reference": "77"})
    html = browser.get(points_url(rich, "?lang=en")).content.decode()
    assert made.code in html and 'data-copy-target="reward-code-' in html and "Points used for a reward" in html


def test_the_redeem_form_is_protected_against_cross_site_posts(merchant, rich):
    offered = reward(merchant)
    answer = Client(enforce_csrf_checks=True).post(points_url(rich, "redeem/"), {"reward": offered.pk, "key": "b" * 32})
    assert answer.status_code == 403 and redemptions(merchant) == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"reward": "x", "key": "c" * 32}, "Choose a reward from the list."),
        ({"key": "c" * 32}, "Choose a reward from the list."),
        ({"reward": "1", "key": "not-hex"}, "Choose a reward from the list."),
        ("dear", "You do not have enough points for this reward yet."),
        ("inactive", "This reward is no longer offered"),
        ("foreign", "This reward is no longer offered"),
    ],
)
def test_refused_redemptions_are_400_with_a_message_and_spend_nothing(merchant, other_merchant, rich, form, message):
    made = {
        "dear": lambda: reward(merchant, points=5000),
        "inactive": lambda: reward(merchant, active=False),
        "foreign": lambda: reward(other_merchant),
    }
    if isinstance(form, str):
        form = {"reward": made[form]().pk, "key": "d" * 32}
    answer = Client().post(points_url(rich, "redeem/?lang=en"), form)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert account_of(merchant, rich).available == 1000 and redemptions(merchant) == []


def test_the_redeem_page_is_a_404_while_the_program_is_off(merchant, customer):
    offered = reward(merchant)
    assert Client().post(points_url(customer, "redeem/"), {"reward": offered.pk, "key": "e" * 32}).status_code == 404
    assert Client().post("/points/not-a-token/redeem/", {"reward": offered.pk, "key": "e" * 32}).status_code == 404


# --- Staff ----------------------------------------------------------------------------------------------------

FORM = {
    "kind": "amount_off",
    "points": "300",
    "value": "5",
    "name_en": "€5 off",
    "name_fr": "5 € de réduction",
    "active": "on",
}


def test_admins_add_change_and_delete_rewards(staff_client, merchant, django_assert_num_queries):
    assert staff_client.get("/app/loyalty/rewards/new/").status_code == 200
    assert staff_client.post("/app/loyalty/rewards/new/", FORM).status_code == 302
    with merchant_scope(merchant):
        made = Reward.objects.get()
    assert (made.kind, made.points, made.value, made.active) == ("amount_off", 300, 5, True)
    staff_client.get("/app/loyalty/rewards/")
    with django_assert_num_queries(4):  # user, memberships, rewards, settings
        listed = staff_client.get("/app/loyalty/rewards/").content.decode()
    assert "€5 off" in listed and "5 € de réduction" in listed and "Offered" in listed
    edit = f"/app/loyalty/rewards/{made.pk}/"
    assert 'value="300"' in staff_client.get(edit).content.decode()
    assert staff_client.post(edit, {**FORM, "points": "250", "active": ""}).status_code == 302
    with merchant_scope(merchant):
        made.refresh_from_db()
    assert (made.points, made.active) == (250, False)
    assert staff_client.post(f"{edit}delete/").status_code == 302
    with merchant_scope(merchant):
        made.refresh_from_db()
    assert made.deleted_at is not None
    assert staff_client.get(edit).status_code == 404
    assert "€5 off" not in staff_client.get("/app/loyalty/rewards/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"points": "0"}, "greater than or equal to 1"),
        ({"value": ""}, "more than zero"),
        ({"kind": "percentage_off", "value": "150"}, "whole number from 1 to 100"),
        ({"kind": "gift"}, "Select a valid choice"),
        ({"name_fr": ""}, "This field is required"),
    ],
)
def test_bad_rewards_are_400_and_save_nothing(staff_client, merchant, changes, message):
    answer = staff_client.post("/app/loyalty/rewards/new/", {**FORM, **changes})
    assert answer.status_code == 400 and message in answer.content.decode()
    with merchant_scope(merchant):
        assert not Reward.objects.exists()


def test_viewers_read_the_rewards_but_cannot_change_them(client, merchant):
    offered = reward(merchant)
    viewer = member(client, merchant, Role.VIEWER)
    page = viewer.get("/app/loyalty/rewards/").content.decode()
    assert "€5 off" in page and "Add a reward" not in page
    assert viewer.post("/app/loyalty/rewards/new/", FORM).status_code == 403
    assert viewer.post(f"/app/loyalty/rewards/{offered.pk}/delete/").status_code == 403
    assert refreshed_reward(merchant, offered).deleted_at is None


def refreshed_reward(merchant, offered):
    with merchant_scope(merchant):
        offered.refresh_from_db()
    return offered


def test_another_shops_reward_is_a_404_to_staff(staff_client, other_merchant):
    foreign = reward(other_merchant)
    assert staff_client.get(f"/app/loyalty/rewards/{foreign.pk}/").status_code == 404
    assert staff_client.post(f"/app/loyalty/rewards/{foreign.pk}/", FORM).status_code == 404
    assert staff_client.post(f"/app/loyalty/rewards/{foreign.pk}/delete/").status_code == 404
    assert refreshed_reward(other_merchant, foreign).deleted_at is None


def test_staff_see_the_redemptions_on_the_member_page(staff_client, merchant, rich, django_assert_num_queries):
    made = redeem(merchant, rich, reward(merchant))
    shop_actions.shop_action_confirm(action=attempt(made), result={"reference": "77"})
    staff_client.get(customer_page(rich))
    with django_assert_num_queries(PAGE_QUERIES - 1):  # no order: no review clicks to read
        html = staff_client.get(customer_page(rich)).content.decode()
    assert "Rewards redeemed" in html and refreshed(made).code in html
    assert action_of(made).status == "succeeded"
    redeem(merchant, rich, reward(merchant, points=100), key="portal:second")
    with django_assert_num_queries(PAGE_QUERIES - 1):  # more redemptions, not more queries
        staff_client.get(customer_page(rich))
