"""Personal data in shop actions is erased and exported with the rest of the customer's data."""

import pytest

from core.scoping import merchant_scope, unscoped
from orders import privacy
from shop_actions.models import ShopAction, ShopActionKind
from shop_actions.privacy import personal_data_blanked
from tests.factories import CustomerFactory, OrderFactory

from .conftest import ask

pytestmark = pytest.mark.django_db

EXCHANGE = {
    "order_external_id": "5000001042",
    "currency": "EUR",
    "line_items": [{"variant_id": "v-42", "quantity": 1, "unit_price": "29.90"}],
    "shipping_address": {"name": "Camille Martin", "address1": "4 rue Oberkampf", "city": "Paris", "country": "FR"},
    "customer": {"email": "camille@example.org", "first_name": "Camille", "phone": "+33 6 12 34 56 78", "id": "c-7"},
    "note": "Size M instead of S, please",
    "notify_customer": True,
}


def reload(action) -> ShopAction:
    with unscoped():
        return ShopAction.objects.get(pk=action.pk)


@pytest.fixture
def camille(merchant):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, email="camille@example.org", external_id="c-7")
        return customer, OrderFactory(merchant=merchant, customer=customer, number="#1042")


def test_blanking_keeps_shape_amounts_ids_and_flags():
    blanked = personal_data_blanked(EXCHANGE)
    assert blanked == {
        "order_external_id": "5000001042",
        "currency": "EUR",
        "line_items": [{"variant_id": "v-42", "quantity": 1, "unit_price": "29.90"}],
        "shipping_address": {"name": "", "address1": "", "city": "", "country": ""},
        "customer": {"email": "", "first_name": "", "phone": "", "id": "c-7"},
        "note": "",
        "notify_customer": True,
    }
    assert personal_data_blanked(blanked) == blanked


def test_a_customers_erasure_blanks_their_actions_and_only_theirs(merchant, camille, fake_shop):
    customer, order = camille
    by_order = ask(merchant, key="rma-1:exchange", kind=ShopActionKind.EXCHANGE_ORDER, payload=EXCHANGE, order=order)
    by_customer = ask(merchant, key="credit-1", kind=ShopActionKind.STORE_CREDIT, payload=EXCHANGE, customer=customer)
    with merchant_scope(merchant):
        someone_else = OrderFactory(merchant=merchant)
    untouched = ask(
        merchant, key="rma-2:exchange", kind=ShopActionKind.EXCHANGE_ORDER, payload=EXCHANGE, order=someone_else
    )
    with unscoped():
        ShopAction.objects.filter(pk=by_order.pk).update(
            result={"order": {"name": "#1099", "email": "camille@example.org"}}
        )

    subject = privacy.subject_for(merchant=merchant, emails=["Camille@example.org"])
    touched = privacy.personal_data_erase(subject=subject)
    assert touched["shop_actions.actions"] == 2
    for action in (by_order, by_customer):
        erased = reload(action)
        assert erased.payload == personal_data_blanked(EXCHANGE)
        assert erased.payload["line_items"][0]["unit_price"] == "29.90"
    assert reload(by_order).result == {"order": {"name": "", "email": ""}}
    assert reload(untouched).payload == EXCHANGE
    assert privacy.personal_data_erase(subject=subject)["shop_actions.actions"] == 0  # nothing left to blank


def test_a_shop_erasure_blanks_every_action(merchant, camille, fake_shop):
    first = ask(merchant, key="a", payload=EXCHANGE)
    second = ask(merchant, key="b", payload=EXCHANGE)
    privacy.personal_data_erase(subject=privacy.subject_whole_shop(merchant=merchant))
    assert reload(first).payload == reload(second).payload == personal_data_blanked(EXCHANGE)


def test_a_data_request_exports_the_customers_actions(merchant, camille, fake_shop):
    customer, order = camille
    ask(merchant, key="rma-1:exchange", kind=ShopActionKind.EXCHANGE_ORDER, payload=EXCHANGE, order=order)
    ask(merchant, key="not-hers", payload={"amount": "5.00", "currency": "EUR"})
    data = privacy.personal_data_collect(subject=privacy.subject_for(merchant=merchant, customer_external_ids=["c-7"]))
    [exported] = data["shop_actions"]
    assert exported["kind"] == "exchange_order" and exported["payload"] == EXCHANGE
    assert exported["subject"] == "return:RMA-1042" and exported["status"] == "pending"
