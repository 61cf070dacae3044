"""The demo shops' loyalty program: members with points, rewards redeemed, tiers reached, referrals
completed and blocked, all played through the services as history."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from flows.models import ScheduledMessage
from loyalty.models import (
    Account,
    PointsEntry,
    Redemption,
    RedemptionStatus,
    Referral,
    ReferralStatus,
    Reward,
    RewardKind,
    Tier,
    TierTerm,
)
from merchants.models import Merchant
from orders.models import Order, OrderEvent
from outbound.models import OutboundMessage
from store_credit.models import Entry as CreditEntry


def run_seed(orders="300"):
    call_command("seed_demo", "--orders", orders, "--no-progress", stdout=io.StringIO())


def loyalty_rows():
    with unscoped():
        return {
            model.__name__: model.objects.count()
            for model in (Account, PointsEntry, Redemption, Referral, Reward, Tier, TierTerm, CreditEntry, Order)
        }


@pytest.mark.django_db
def test_the_main_demo_shop_shows_every_part_of_its_loyalty_program():
    run_seed()
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        members = Account.objects.count()
        kinds = set(Reward.objects.values_list("kind", flat=True))
        redemptions = set(Redemption.objects.values_list("kind", "status"))
        credit = CreditEntry.objects.filter(source="loyalty").count()
        referrals = set(Referral.objects.values_list("status", "block_reason"))
        completed = Referral.objects.get(status=ReferralStatus.COMPLETED)
        reached = TierTerm.objects.count()
        tiers = Tier.objects.count()
        first_entry = PointsEntry.objects.order_by("created_at").first()
    assert members > 50 and reached >= 1 and tiers == 2
    assert kinds == set(RewardKind.values)
    assert (RewardKind.STORE_CREDIT, RedemptionStatus.ISSUED) in redemptions and credit >= 1  # in the wallet
    assert {status for kind, status in redemptions if kind != RewardKind.STORE_CREDIT} == {
        RedemptionStatus.ISSUED,
        RedemptionStatus.PENDING,  # the newest code still waits for the shop
    }
    assert {(ReferralStatus.COMPLETED, ""), (ReferralStatus.ORDERED, ""), ("blocked", "already_ordered")} <= referrals
    assert completed.order.discount_codes == [{"code": completed.welcome_code}] and completed.reward.available > 0
    assert first_entry.created_at < timezone.now() - timezone.timedelta(days=60)  # earned when ordered, not today


@pytest.mark.django_db
def test_the_demo_loyalty_history_sends_nothing_and_a_second_run_adds_nothing(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        run_seed("150")
    first = loyalty_rows()
    run_seed("150")

    assert loyalty_rows() == first and first["Account"] > 0 and first["Referral"] == 8  # four per shop
    assert mailoutbox == []
    with unscoped():
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()
        assert not OutboundMessage.objects.exists()
        assert not ScheduledMessage.objects.filter(status="scheduled", due_at__lte=timezone.now()).exists()
        assert not OrderEvent.objects.filter(kind__startswith="loyalty.", occurred_at__gt=timezone.now()).exists()
