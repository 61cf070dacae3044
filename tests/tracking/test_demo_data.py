"""The demo shops' tracking pages as customers used them: views and a few questions, dated while each parcel
travelled, once."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Min

from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from support.selectors import wismo_rate
from tracking.models import Shipment, TrackingPageView, WismoContact


def run_seed():
    call_command("seed_demo", "--orders", "300", "--no-progress", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_demo_customers_viewed_their_tracking_pages_and_asked_a_few_questions(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        run_seed()
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        first_shipped = dict(
            Shipment.objects.filter(direction="outbound").values_list("order_id").annotate(first=Min("shipped_at"))
        )
        views = list(TrackingPageView.objects.values_list("order_id", "viewed_at", "language"))
        questions = list(WismoContact.objects.values_list("order_id", "created_at", "reason"))
        moments = [at for _order, at, _other in views + questions]
        rate = wismo_rate(merchant, min(moments), max(moments) + timedelta(seconds=1))
    assert len(views) > len(first_shipped)  # more than one view per shipped order on average
    assert all(first_shipped[order] <= at for order, at, _language in views + questions)
    assert {language for _order, _at, language in views} <= {"fr", "en"}
    assert questions and {reason for _order, _at, reason in questions} <= set(WismoContact.Reason.values)
    assert rate.tracking_form_contacts == len(questions) and rate.page_views_per_shipped_order > 1

    run_seed()

    with unscoped():
        assert TrackingPageView.objects.filter(merchant=merchant).count() == len(views)
        assert WismoContact.objects.filter(merchant=merchant).count() == len(questions)
