from datetime import timedelta

import pytest
import time_machine

from core.scoping import merchant_scope
from loyalty import services
from orders import privacy
from orders.selectors import customer_timeline
from outbound.services import subscribable_event_types

from .conftest import PLACED, account_of, adjust, entries_of, place, refund

pytestmark = pytest.mark.django_db


def test_the_events_reach_outbound_webhooks_and_the_customers_timeline(merchant, customer, program):
    assert {"loyalty.points_earned", "loyalty.points_available", "loyalty.points_reversed"} <= set(
        subscribable_event_types()
    )
    order = place(merchant, customer)
    refund(merchant, order, "29.00")
    with time_machine.travel(PLACED + timedelta(days=31)):
        services.points_mature_due()
    with merchant_scope(merchant):
        timeline = {e.kind: e for e in customer_timeline(customer) if e.kind.startswith("loyalty.")}
    assert timeline["loyalty.points_earned"].label == "Points earned"
    assert timeline["loyalty.points_earned"].detail == "+120 points → 0 available, 120 pending"
    assert timeline["loyalty.points_reversed"].detail == "-24 points → 0 available, 96 pending"
    assert timeline["loyalty.points_available"].detail == "+96 points → 96 available, 0 pending"


def test_the_export_holds_the_account_and_entries(merchant, customer):
    adjust(merchant, customer, 30)
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        data = privacy.personal_data_collect(subject=subject)
    [account] = data["loyalty"]
    assert account["available"] == 30 and account["entries"][0]["note"] == "Goodwill"


def test_erasure_blanks_what_staff_wrote_and_keeps_every_point(merchant, customer):
    adjust(merchant, customer, 30)
    adjust(merchant, customer, -5, key="staff:2", reason="Camille Martin called about her parcel")
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        privacy.personal_data_erase(subject=subject)
    entries = entries_of(merchant, customer)
    assert [e.available for e in entries] == [30, -5]
    assert all(e.note == "" for e in entries)
    assert account_of(merchant, customer).available == 25
