"""The demo shops' helpdesk tickets and baseline: a WISMO rate to show, as history, once."""

import io

import pytest
from django.core.management import call_command

from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.models import OrderEvent
from support.models import BaselineWeek, SupportContact


def run_seed():
    call_command("seed_demo", "--orders", "120", "--no-progress", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_demo_shop_has_tickets_and_a_baseline_and_a_second_run_adds_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_seed()
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        contacts = list(SupportContact.objects.values_list("is_wismo", "order_id"))
        baseline = BaselineWeek.objects.count()
        events = OrderEvent.objects.filter(kind="support.contact_received")
        assert not events.filter(published_at__isnull=True).exists()  # history: nothing reacts to them
    assert {is_wismo for is_wismo, _order in contacts} == {True, False}
    assert all(order_id for _wismo, order_id in contacts)  # found by the number or the email
    assert baseline == 8

    run_seed()

    with unscoped():
        assert SupportContact.objects.filter(merchant=merchant).count() == len(contacts)
