"""Concurrent redemptions on real PostgreSQL: the account's row lock serialises the spending."""

import pytest

from core.scoping import merchant_scope
from loyalty.errors import LoyaltyValidationError
from loyalty.models import Redemption
from shop_actions.models import ShopAction
from tests.store_credit.test_concurrency import _race

from .conftest import account_of, adjust
from .rewards_helpers import redeem, reward


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redemptions_of_1000_points_for_300_point_rewards_give_exactly_three(
    merchant, customer, program
):
    adjust(merchant, customer, 1000, key="staff:start")
    offered = reward(merchant)
    outcomes = _race([lambda n=n: redeem(merchant, customer, offered, key=f"portal:{n}") for n in range(20)])
    made = [o for o in outcomes if isinstance(o, Redemption)]
    refused = [o for o in outcomes if isinstance(o, LoyaltyValidationError)]
    assert len(made) == 3 and len(refused) == 17, outcomes
    assert account_of(merchant, customer).available == 100
    with merchant_scope(merchant):
        assert Redemption.objects.count() == 3
        assert ShopAction.objects.filter(kind="discount_code").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_redemption_sent_five_times_at_once_is_made_once(merchant, customer, program):
    adjust(merchant, customer, 1000, key="staff:start")
    offered = reward(merchant)
    outcomes = _race([lambda: redeem(merchant, customer, offered, key="portal:same") for _ in range(5)])
    assert all(isinstance(o, Redemption) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert account_of(merchant, customer).available == 700
