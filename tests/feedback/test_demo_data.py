"""The demo shops' surveys: answers on delivered orders, a few low ones waiting for staff."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from core.scoping import merchant_scope
from feedback.models import FollowUp, Invitation, Kind, Response
from merchants.models import Merchant


@pytest.mark.django_db
def test_the_demo_shops_have_survey_answers_and_a_second_run_adds_nothing():
    call_command("seed_demo", "--orders", "120", "--no-progress", stdout=io.StringIO())
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        counts = (Invitation.objects.count(), Response.objects.count(), FollowUp.objects.count())
        before_sent = Response.objects.filter(first_answered_at__lte=F("invitation__sent_at")).exists()
    assert counts[0] > counts[1] > 0 and not before_sent
    with merchant_scope(merchant):
        nps = Response.objects.filter(kind=Kind.NPS)
        asked_twice = Invitation.objects.filter(kind=Kind.NPS).values("customer", "anchor_key").annotate(n=Count("pk"))
        assert nps.exists() and not asked_twice.filter(n__gt=1).exists()
        assert nps.filter(first_answered_at__gte=timezone.now() - timedelta(days=30)).exists()  # the NPS card's period
    call_command("seed_demo", "--orders", "120", "--no-progress", stdout=io.StringIO())
    with merchant_scope(merchant):
        assert (Invitation.objects.count(), Response.objects.count(), FollowUp.objects.count()) == counts
