"""The demo shops' loyalty program: members with points, rewards redeemed, tiers reached, referrals
completed and blocked, all played through the services as history."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Min
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
from shop_actions.models import ShopAction
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
    assert [code["code"] for code in completed.order.discount_codes] == [completed.welcome_code]
    assert completed.reward.available > 0
    assert first_entry.created_at < timezone.now() - timezone.timedelta(days=60)  # earned when ordered, not today


@pytest.mark.django_db
def test_members_tiers_and_reward_codes_carry_the_dates_they_happened():
    run_seed()
    seeded = timezone.now() - timezone.timedelta(minutes=10)
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        joined = Account.objects.annotate(first=Min("entries__created_at")).values_list("created_at", "first")
        terms = list(TierTerm.objects.all())
        tier_events = OrderEvent.objects.filter(anchor_key__in=[f"loyalty:tier:{term.pk}" for term in terms])
        code_actions = ShopAction.objects.filter(key__contains="redemption:")
        assert all(created == first for created, first in joined)  # joined with their first points
        assert Account.objects.filter(created_at__lt=seeded - timezone.timedelta(days=30)).exists()
        assert terms and all(term.reached_at < seeded for term in terms)
        assert tier_events.exists() and not tier_events.filter(occurred_at__gte=seeded).exists()
        assert code_actions.exists() and not code_actions.filter(created_at__gte=seeded).exists()


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
