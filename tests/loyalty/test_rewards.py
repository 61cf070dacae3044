"""Rewards and redemptions through the services and the shop-actions outbox."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from loyalty import rewards, services
from loyalty.errors import LoyaltyValidationError, PointsKeyConflictError
from loyalty.models import EntryKind, Redemption
from orders.models import OrderEvent
from shop_actions import adapters
from shop_actions import services as shop_actions
from shop_actions.models import ShopAction, ShopActionStatus
from store_credit.models import Wallet
from tests.factories import CustomerFactory, OrderFactory
from tests.shop_actions.fake_shop import FakeShop

from .conftest import account_of, adjust, entries_of
from .rewards_helpers import action_of, attempt, redeem, refreshed, reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(monkeypatch):
    """The customer's shop answers through a scripted adapter."""
    fake = FakeShop()
    monkeypatch.setitem(adapters._registry, fake.platform, fake)
    monkeypatch.setattr(rewards, "platform_for", lambda merchant, platform: fake.platform)
    return fake


@pytest.fixture
def rich(merchant, customer, program):
    adjust(merchant, customer, 1000, key="staff:start")
    return customer


def events(merchant, kind):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(kind=kind).order_by("id"))


def test_redeeming_spends_the_points_and_asks_the_shop_for_a_code_for_this_customer(merchant, rich, shop):
    made = redeem(merchant, rich, reward(merchant))
    assert made.status == "pending" and made.points == 300
    assert account_of(merchant, rich).available == 700
    spent = entries_of(merchant, rich)[-1]
    assert (spent.kind, spent.source, spent.points) == ("redeemed", "reward", -300)
    action = action_of(made)
    assert (action.kind, action.customer_id, action.status) == ("discount_code", rich.pk, "pending")
    payload = action.payload
    assert set(payload) == {
        "code", "title", "value_type", "value", "currency", "customer_external_id", "email",
        "usage_limit", "starts_at", "ends_at", "minimum_subtotal",
    }  # fmt: skip
    assert payload["code"] == made.code and payload["code"].startswith("PTS-") and len(payload["code"]) == 13
    assert (payload["value_type"], payload["value"], payload["currency"]) == ("fixed_amount", "5.00", "EUR")
    assert (payload["email"], payload["customer_external_id"]) == (rich.email, rich.external_id)
    assert payload["usage_limit"] == 1 and payload["ends_at"] is None
    assert payload["title"].endswith(": 5 € de réduction (Camille M.)")  # the shop's language (French)


@pytest.mark.parametrize(
    ("kind", "value", "value_type", "sent"),
    [("percentage_off", "10", "percentage", "10"), ("free_shipping", "0", "free_shipping", "0")],
)
def test_percentages_and_free_shipping_ask_for_their_kind_of_code(merchant, rich, shop, kind, value, value_type, sent):
    made = redeem(merchant, rich, reward(merchant, kind=kind, value=value))
    payload = action_of(made).payload
    assert (payload["value_type"], payload["value"]) == (value_type, sent)


def test_the_code_is_the_customers_once_the_shop_made_it_and_the_email_event_is_recorded(merchant, rich, shop):
    made = redeem(merchant, rich, reward(merchant))
    assert events(merchant, "loyalty.reward_redeemed") == []  # not before the shop confirms
    assert attempt(made).status == ShopActionStatus.SUCCEEDED
    made = refreshed(made)
    assert made.status == "issued" and made.issued_at is not None
    [event] = events(merchant, "loyalty.reward_redeemed")
    assert event.customer_id == rich.pk and event.anchor_key == f"loyalty:redemption:{made.pk}"
    assert event.payload["code"] == made.code and event.payload["status"] == "issued"


def test_a_shop_refusal_gives_the_points_back_once_and_tells_the_customer(merchant, rich, shop):
    made = redeem(merchant, rich, reward(merchant))
    shop.refuse("Discount codes are not allowed.")
    assert attempt(made).status == ShopActionStatus.FAILED
    made = refreshed(made)
    assert made.status == "given_back" and made.given_back_at is not None
    assert account_of(merchant, rich).available == 1000
    back = entries_of(merchant, rich)[-1]
    assert (back.kind, back.source, back.points, back.key) == (
        "given_back",
        "reward",
        300,
        f"redemption:{made.pk}:given_back",
    )
    assert len(events(merchant, "loyalty.reward_given_back")) == 1
    # A staff retry that fails again gives nothing back twice.
    action = shop_actions.shop_action_retry(action=action_of(made))
    shop.refuse()
    shop_actions.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    assert account_of(merchant, rich).available == 1000
    assert len(events(merchant, "loyalty.reward_given_back")) == 1


def test_points_stay_spent_while_the_shop_may_still_make_the_code(merchant, rich, shop, monkeypatch):
    monkeypatch.setattr(shop_actions, "MAX_ATTEMPTS", 2)
    made = redeem(merchant, rich, reward(merchant))
    shop.fail_transiently(2)
    assert attempt(made).status == ShopActionStatus.PENDING  # retried later
    assert refreshed(made).status == "pending" and account_of(merchant, rich).available == 700
    action = action_of(made)
    action.claim_token = uuid.uuid4()  # the beat sweep claims the retry when it is due
    with merchant_scope(merchant):
        action.save(update_fields=["claim_token"])
    assert attempt(made).status == ShopActionStatus.FAILED  # the last attempt: given up for good
    assert refreshed(made).status == "given_back" and account_of(merchant, rich).available == 1000


def test_a_code_waiting_for_staff_keeps_the_points_spent_until_they_confirm(merchant, rich):
    made = redeem(merchant, rich, reward(merchant))  # no shop access: the manual platform
    action = attempt(made)
    assert action.platform == "manual" and action.status == ShopActionStatus.WAITING_FOR_STAFF
    assert (
        made.code in action.last_error
        and rich.email in action.last_error
        and "5,00\u00a0€ de réduction" in action.last_error
    )  # the shop speaks French
    assert account_of(merchant, rich).available == 700
    shop_actions.shop_action_confirm(action=action, result={"reference": "1234"})
    made = refreshed(made)
    assert (made.status, made.shop_reference) == ("issued", "1234")


def test_a_staff_retry_that_succeeds_after_the_give_back_takes_the_points_again(merchant, rich, shop):
    made = redeem(merchant, rich, reward(merchant))
    shop.refuse()
    attempt(made)
    adjust(merchant, rich, -900, key="staff:spend")  # the customer spent most of what came back
    action = shop_actions.shop_action_retry(action=action_of(made))
    shop_actions.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    assert refreshed(made).status == "issued"
    account = account_of(merchant, rich)
    assert (account.available, account.debt) == (0, 200)
    assert [e.kind for e in entries_of(merchant, rich)][-1] == EntryKind.REDEEMED


def test_another_apps_discount_codes_are_left_alone(merchant, rich, shop):
    action = shop_actions.shop_action_request(
        merchant=merchant, kind="discount_code", platform=shop.platform, key="referral:welcome:9", payload={"code": "X"}
    )
    shop.refuse()
    shop_actions.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    assert account_of(merchant, rich).available == 1000


def test_store_credit_rewards_complete_at_once_into_the_wallet(merchant, rich):
    made = redeem(merchant, rich, reward(merchant, kind="store_credit", value="10", name_en="€10 credit"))
    assert made.status == "issued" and made.code == ""
    with merchant_scope(merchant):
        wallet = Wallet.objects.get(customer=rich)
    assert wallet.balance == Decimal("10.00")
    assert len(events(merchant, "loyalty.reward_redeemed")) == 1
    with merchant_scope(merchant):
        assert not ShopAction.objects.filter(key__startswith="loyalty:").exists()


def test_a_double_submit_redeems_once(merchant, rich, shop):
    offered = reward(merchant)
    first = redeem(merchant, rich, offered, key="portal:same")
    again = redeem(merchant, rich, offered, key="portal:same")
    assert first.pk == again.pk and account_of(merchant, rich).available == 700
    other = reward(merchant, points=100, name_en="Other")
    with pytest.raises(PointsKeyConflictError):
        redeem(merchant, rich, other, key="portal:same")
    rewards.reward_delete(merchant=merchant, reward=offered)  # deleted between the two clicks
    assert redeem(merchant, rich, offered, key="portal:same").pk == first.pk


def test_a_key_used_for_another_customer_is_a_conflict(merchant, rich, shop):
    offered = reward(merchant)
    redeem(merchant, rich, offered, key="api:shared")
    with merchant_scope(merchant):
        someone = CustomerFactory(merchant=merchant, email="someone@example.org")
    adjust(merchant, someone, 500, key="staff:someone")
    with pytest.raises(PointsKeyConflictError):
        redeem(merchant, someone, offered, key="api:shared")
    assert account_of(merchant, someone).available == 500


def test_a_redemption_over_the_balance_is_refused_and_changes_nothing(merchant, customer, program, shop):
    adjust(merchant, customer, 200, key="staff:start")
    with pytest.raises(LoyaltyValidationError, match="Only 200 points are available"):
        redeem(merchant, customer, reward(merchant))
    assert account_of(merchant, customer).available == 200
    with merchant_scope(merchant):
        assert not Redemption.objects.exists()


def test_inactive_deleted_and_foreign_rewards_cannot_be_redeemed(merchant, rich, other_merchant, shop):
    inactive = reward(merchant, active=False)
    with pytest.raises(LoyaltyValidationError, match="no longer offered"):
        redeem(merchant, rich, inactive)
    deleted = rewards.reward_delete(merchant=merchant, reward=reward(merchant))
    with pytest.raises(rewards.RewardNotFoundError):
        redeem(merchant, rich, deleted)
    with pytest.raises(rewards.RewardNotFoundError):
        redeem(merchant, rich, reward(other_merchant))
    assert account_of(merchant, rich).available == 1000


def test_another_shops_customer_is_refused(merchant, other_customer, program):
    with pytest.raises(LoyaltyValidationError, match="another shop"):
        redeem(merchant, other_customer, reward(merchant))


def test_nothing_is_redeemed_while_the_program_is_off(merchant, customer):
    adjust(merchant, customer, 1000, key="staff:start")
    with pytest.raises(LoyaltyValidationError, match="program is off"):
        redeem(merchant, customer, reward(merchant))


def test_a_deleted_reward_keeps_its_redemptions(merchant, rich, shop):
    offered = reward(merchant)
    made = redeem(merchant, rich, offered)
    rewards.reward_delete(merchant=merchant, reward=offered)
    assert refreshed(made).reward_id == offered.pk
    with merchant_scope(merchant):
        assert list(rewards.rewards_offered(merchant)) == [] and list(rewards.rewards_listed(merchant)) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"points": 0}, "points"),
        ({"value": "0"}, "value"),
        ({"kind": "percentage_off", "value": "120"}, "value"),
        ({"kind": "percentage_off", "value": "12.5"}, "value"),
        ({"kind": "bogus"}, "kind"),
        ({"name_fr": "  "}, "name_fr"),
    ],
)
def test_bad_rewards_are_refused_with_the_field_named(merchant, fields, field):
    with pytest.raises(LoyaltyValidationError) as refused:
        reward(merchant, **fields)
    assert field in refused.value.errors
    with merchant_scope(merchant):
        assert not rewards.Reward.objects.exists()


def test_free_shipping_needs_no_value(merchant):
    assert reward(merchant, kind="free_shipping", value="0").value == 0


def test_reward_events_can_be_chosen_by_outbound_webhooks_and_show_on_the_timeline(merchant, rich, shop):
    from core.event_kinds import event_kind
    from outbound.services import subscribable_event_types

    assert {"loyalty.reward_redeemed", "loyalty.reward_given_back"} <= set(subscribable_event_types())
    made = redeem(merchant, rich, reward(merchant, kind="percentage_off", value="10", name_en="10 % off"))
    attempt(made)
    [event] = events(merchant, "loyalty.reward_redeemed")
    kind = event_kind("loyalty.reward_redeemed")
    assert kind.customer_anchored and kind.webhook_data(event)["id"] == made.pk
    assert kind.detail(event.payload) == "300 points: Percentage off 10%"


# --- Unused codes expiring ----------------------------------------------------------------------------------


@pytest.fixture
def codes_valid_30_days(merchant, program):
    services.loyalty_settings_update(merchant=merchant, reward_code_days=30)


def issued(merchant, customer, shop, *, key="portal:k1"):
    made = redeem(merchant, customer, reward(merchant, points=100, name_en="A"), key=key)
    attempt(made)
    return refreshed(made)


def test_a_code_valid_n_days_tells_the_shop_its_end(merchant, rich, shop, codes_valid_30_days):
    made = issued(merchant, rich, shop)
    assert made.expires_at == made.created_at + timedelta(days=30)
    assert action_of(made).payload["ends_at"] == made.expires_at.isoformat()


def test_an_unused_code_expires_once_and_gives_the_points_back(merchant, rich, shop, codes_valid_30_days):
    made = issued(merchant, rich, shop)
    assert rewards.codes_expire_unused(now=made.expires_at - timedelta(minutes=1)) == 0
    assert account_of(merchant, rich).available == 900
    assert rewards.codes_expire_unused(now=made.expires_at) == 1
    assert rewards.codes_expire_unused(now=made.expires_at + timedelta(hours=1)) == 0
    assert refreshed(made).status == "expired" and account_of(merchant, rich).available == 1000
    back = entries_of(merchant, rich)[-1]
    assert (back.kind, back.points, back.key) == ("given_back", 100, f"redemption:{made.pk}:expired")


def test_a_code_used_in_an_order_keeps_its_points_spent(merchant, rich, shop, codes_valid_30_days):
    made = issued(merchant, rich, shop)
    with merchant_scope(merchant):  # WooCommerce reports coupon codes in lower case
        OrderFactory(merchant=merchant, customer=rich, discount_codes=[{"code": made.code.lower(), "amount": "5.00"}])
    assert rewards.codes_expire_unused(now=made.expires_at) == 0
    assert refreshed(made).status == "used" and account_of(merchant, rich).available == 900


def test_codes_without_a_validity_and_codes_not_made_yet_never_expire(merchant, rich, shop):
    forever = issued(merchant, rich, shop)
    services.loyalty_settings_update(merchant=merchant, reward_code_days=1)
    waiting = redeem(merchant, rich, reward(merchant, points=100, name_en="B"), key="portal:k2")
    later = waiting.created_at + timedelta(days=400)
    assert rewards.codes_expire_unused(now=later) == 0
    assert (refreshed(forever).status, refreshed(waiting).status) == ("issued", "pending")


def test_the_export_holds_the_customers_redemptions_and_not_other_peoples(merchant, rich, shop):
    from orders import privacy

    made = redeem(merchant, rich, reward(merchant))
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        data = privacy.personal_data_collect(subject=subject)
        nobody = privacy.subject_for(merchant=merchant, emails=["nobody@example.org"])
        nothing = privacy.personal_data_collect(subject=nobody)
    [exported] = data["loyalty_redemptions"]
    assert (exported["id"], exported["points"], exported["status"]) == (made.pk, 300, "pending")
    assert nothing.get("loyalty_redemptions", []) == []
