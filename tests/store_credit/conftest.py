from decimal import Decimal

import pytest
from django.utils import translation

from core.scoping import merchant_scope
from store_credit import services
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer(merchant):
    with merchant_scope(merchant):
        return CustomerFactory(
            merchant=merchant, email="camille@example.org", first_name="Camille", external_id="7001", language="fr"
        )


@pytest.fixture
def other_customer(other_merchant):
    with merchant_scope(other_merchant):
        return CustomerFactory(merchant=other_merchant, email="someone@other.example")


def issue(merchant, customer, amount="30.00", *, key="return:R-1042-1", currency="EUR", **extra):
    return services.credit_issue(
        merchant=merchant,
        customer=customer,
        amount=Decimal(amount),
        currency=currency,
        key=key,
        source=extra.pop("source", "return"),
        **extra,
    )


def spend(merchant, customer, amount, *, key, currency="EUR"):
    return services.credit_spend(
        merchant=merchant, customer=customer, amount=Decimal(amount), currency=currency, key=key, source="portal"
    )


def wallet_of(merchant, customer, currency="EUR"):
    from store_credit.models import Wallet

    with merchant_scope(merchant):
        return Wallet.objects.get(customer=customer, currency=currency)


def entries_of(merchant, customer):
    from store_credit.models import Entry

    with merchant_scope(merchant):
        return list(Entry.objects.filter(wallet__customer=customer).order_by("created_at", "id"))
