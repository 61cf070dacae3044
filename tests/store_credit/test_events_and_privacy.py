from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from orders import privacy
from orders.selectors import customer_timeline
from outbound.services import subscribable_event_types
from store_credit import services

from .conftest import entries_of, issue, wallet_of

pytestmark = pytest.mark.django_db


def test_the_events_reach_outbound_webhooks_and_the_customers_timeline(merchant, customer):
    types = subscribable_event_types()
    assert {"store_credit.issued", "store_credit.spent", "store_credit.expired"} <= set(types)
    assert "store_credit.expiring" not in types  # an email's trigger, not for shops' systems
    issue(merchant, customer, "30.00")
    with merchant_scope(merchant):
        [entry] = [e for e in customer_timeline(customer) if e.kind == "store_credit.issued"]
    assert entry.label == "Store credit issued"
    assert entry.detail == "€30.00 → €30.00"  # in the reader's money format


def test_the_export_holds_the_wallets_and_entries(merchant, customer):
    issue(merchant, customer, "30.00")
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        data = privacy.personal_data_collect(subject=subject)
    [wallet] = data["store_credit"]
    assert wallet["balance"] == "30.00" and wallet["entries"][0]["amount"] == "30.00"


def test_erasure_blanks_what_staff_wrote_and_keeps_every_amount(merchant, customer):
    issue(merchant, customer, "30.00")
    services.credit_adjust(
        merchant=merchant,
        customer=customer,
        amount=Decimal("-5"),
        currency="EUR",
        key="s:1",
        reason="Camille Martin called about her parcel",
        by_user=None,
    )
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        privacy.personal_data_erase(subject=subject)
    entries = entries_of(merchant, customer)
    assert [e.amount for e in entries] == [Decimal("30.000"), Decimal("-5.000")]
    assert all(e.note == "" for e in entries)
    assert wallet_of(merchant, customer).balance == Decimal("25.00")
