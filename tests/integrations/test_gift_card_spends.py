"""Spends of our gift cards in Shopify: an order paid with the gateway `gift_card` (wire_formats.md §1.5) makes
us read the card's balance (giftCard(id:), wire_formats_2.md §2.3) and record the order's spend once; a refund
to the card (refunds/create with a `gift_card` transaction, wire_formats_2.md §1.2) reverses it."""

import logging
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from integrations.shopify import adapter as shopify
from integrations.shopify import gift_cards
from orders.events import events_publish_pending
from orders.models import Order
from store_credit.models import Entry, Wallet
from store_credit.services import credit_issue
from tests.factories import CustomerFactory
from tests.integrations.fixtures import payload

from .shop_http import answer

pytestmark = pytest.mark.django_db
CARD_GID = "gid://shopify/GiftCard/1063936318"
CUSTOMER_ID = "115310627314723954"  # the customer of orders_create_gift_card.json


@pytest.fixture
def tasks(monkeypatch, django_capture_on_commit_callbacks):
    """The sync task runs at once (as the worker would, after the publishing commit); its calls are kept."""
    monkeypatch.setattr("orders.events.publish_request", lambda: None)
    calls = []

    def run(*args):
        calls.append(args)
        merchant_id, wallet_id, order_id, what, refund_id = args
        return gift_cards.gift_card_sync(
            merchant_id=merchant_id, wallet_id=wallet_id, order_id=order_id, what=what, refund_id=refund_id
        )

    monkeypatch.setattr("integrations.tasks.sync_shopify_gift_card.delay", run)
    return calls


def with_gift_card(merchant):
    """The fixture's customer in `merchant`, with €40 of store credit that is our gift card in Shopify."""
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, external_id=CUSTOMER_ID, email="camille.martin@example.org")
    credit_issue(
        merchant=merchant, customer=customer, amount=Decimal("40.00"), currency="EUR", key="r:1", source="return"
    )
    with merchant_scope(merchant):
        Wallet.objects.filter(customer=customer).update(shop_reference=CARD_GID, mirror_status="mirrored")
    return customer


@pytest.fixture
def camille(on_shopify):
    return with_gift_card(on_shopify)


def card(amount: str, currency="EUR") -> dict:
    return {"data": {"giftCard": {"id": CARD_GID, "balance": {"amount": amount, "currencyCode": currency}}}}


def deliver(
    merchant, django_capture_on_commit_callbacks, topic="orders/create", name="orders_create_gift_card.json", data=None
):
    data = data or payload("shopify", name)
    with merchant_scope(merchant):
        if topic.startswith("refunds/"):
            shopify.handle_refund(merchant, data)
        else:
            shopify.handle_order(merchant, topic, data)
    with django_capture_on_commit_callbacks(execute=True):
        events_publish_pending()


def entries(merchant, customer):
    with merchant_scope(merchant):
        rows = Entry.objects.filter(wallet__customer=customer).order_by("created_at", "id")
        return [(e.kind, e.amount, e.balance_after, e.source, e.key) for e in rows][1:]


def order_pk(merchant) -> int:
    with merchant_scope(merchant):
        return Order.objects.get(external_id="820982911946154508").pk


def test_an_order_paid_with_our_gift_card_records_what_the_card_lost(
    on_shopify, camille, http, tasks, django_capture_on_commit_callbacks
):
    http.then(answer(200, card("28.00")))
    deliver(on_shopify, django_capture_on_commit_callbacks)

    pk = order_pk(on_shopify)
    assert entries(on_shopify, camille) == [
        ("spent", Decimal("-12.00"), Decimal("28.00"), "shop", f"shop_spend:{pk}:gift_card")
    ]
    assert "giftCard(id: $id)" in http.sent[0].json["query"] and http.sent[0].json["variables"] == {"id": CARD_GID}
    with merchant_scope(on_shopify):  # Shopify lowered the card itself: nothing is asked of it
        from shop_actions.models import ShopAction

        assert not ShopAction.objects.filter(key__startswith="store_credit:shop_spend:").exists()


def test_the_same_order_again_or_updated_adds_nothing(
    on_shopify, camille, http, tasks, django_capture_on_commit_callbacks
):
    http.then(answer(200, card("28.00")), answer(200, card("28.00")))
    deliver(on_shopify, django_capture_on_commit_callbacks)
    deliver(on_shopify, django_capture_on_commit_callbacks, topic="orders/updated")  # gateways unchanged: no read
    pk = order_pk(on_shopify)
    wallet_id = tasks[0][1]
    assert gift_cards.gift_card_sync(merchant_id=on_shopify.pk, wallet_id=wallet_id, order_id=pk, what="spent") == (
        "unchanged"
    )  # the task run again by the worker

    assert len(tasks) == 1 and len(http.sent) == 2
    assert [entry[0] for entry in entries(on_shopify, camille)] == ["spent"]


def test_a_refund_back_to_the_card_reverses_the_orders_spend_once(
    on_shopify, camille, http, tasks, django_capture_on_commit_callbacks
):
    http.then(answer(200, card("28.00")), answer(200, card("40.00")), answer(200, card("40.00")))
    deliver(on_shopify, django_capture_on_commit_callbacks)
    deliver(
        on_shopify, django_capture_on_commit_callbacks, topic="refunds/create", name="refunds_create_gift_card.json"
    )
    merchant_id, wallet_id, order_id, what, refund_id = tasks[-1]
    assert what == "refunded"
    assert gift_cards.gift_card_sync(
        merchant_id=merchant_id, wallet_id=wallet_id, order_id=order_id, what=what, refund_id=refund_id
    ) == ("unchanged")

    pk = order_pk(on_shopify)
    assert entries(on_shopify, camille) == [
        ("spent", Decimal("-12.00"), Decimal("28.00"), "shop", f"shop_spend:{pk}:gift_card"),
        ("reversed", Decimal("12.00"), Decimal("40.00"), "shop", f"shop_refund:{pk}:gift_card:{refund_id}"),
    ]
    with merchant_scope(on_shopify):
        reversal = Entry.objects.get(key=f"shop_refund:{pk}:gift_card:{refund_id}")
        assert reversal.reverses.key == f"shop_spend:{pk}:gift_card"


def partial_refund(refund_id: int, amount: str) -> dict:
    """A refund of part of the order, back to the gift card (the order was paid partly with it)."""
    data = payload("shopify", "refunds_create_gift_card.json")
    data["id"] = refund_id
    data["refund_line_items"] = []
    data["transactions"][0]["amount"] = amount
    data["transactions"][0]["id"] = refund_id + 1
    return data


def test_a_partial_refund_to_the_card_gives_back_its_share_once_per_refund(
    on_shopify, camille, http, tasks, caplog, django_capture_on_commit_callbacks
):
    """€12 paid with the card; the shop refunds €5 then €7 of it to the card: two parts, the balance the card's."""
    http.then(answer(200, card("28.00")), answer(200, card("33.00")), answer(200, card("33.00")))
    http.then(answer(200, card("40.00")), answer(200, card("45.00")))
    deliver(on_shopify, django_capture_on_commit_callbacks)
    deliver(on_shopify, django_capture_on_commit_callbacks, topic="refunds/create", data=partial_refund(71, "5.00"))
    first = tasks[-1]
    deliver(on_shopify, django_capture_on_commit_callbacks, topic="refunds/create", data=partial_refund(71, "5.00"))
    assert len(tasks) == 2  # the redelivered webhook records no second refund, so asks nothing
    # the worker runs the first refund's task again: its key is found, nothing is added
    assert gift_cards.gift_card_sync(
        merchant_id=first[0], wallet_id=first[1], order_id=first[2], what=first[3], refund_id=first[4]
    ) == ("unchanged")

    deliver(on_shopify, django_capture_on_commit_callbacks, topic="refunds/create", data=partial_refund(93, "7.00"))
    second = tasks[-1]
    pk = order_pk(on_shopify)
    assert entries(on_shopify, camille) == [
        ("spent", Decimal("-12.00"), Decimal("28.00"), "shop", f"shop_spend:{pk}:gift_card"),
        ("reversed", Decimal("5.00"), Decimal("33.00"), "shop", f"shop_refund:{pk}:gift_card:{first[4]}"),
        ("reversed", Decimal("7.00"), Decimal("40.00"), "shop", f"shop_refund:{pk}:gift_card:{second[4]}"),
    ]
    with merchant_scope(on_shopify):
        spend = Entry.objects.get(key=f"shop_spend:{pk}:gift_card")
        assert sorted(spend.part_reversals.values_list("amount", flat=True)) == [Decimal("5.00"), Decimal("7.00")]
        assert Wallet.objects.get(customer=camille).balance == Decimal("40.00")

    # The card gains €5 more (someone else's doing): the spend is given back whole already, nothing more.
    with caplog.at_level(logging.WARNING, logger="integrations.shopify.gift_cards"):
        assert gift_cards.gift_card_sync(
            merchant_id=second[0], wallet_id=second[1], order_id=second[2], what="refunded", refund_id=999
        ) == ("unchanged")
    assert len(entries(on_shopify, camille)) == 3
    assert "Shopify says 45.00, we say 40.00" in caplog.text


def test_a_card_gaining_more_than_the_spend_gives_back_the_spend_and_leaves_the_rest_to_staff(
    on_shopify, camille, http, tasks, caplog, django_capture_on_commit_callbacks
):
    http.then(answer(200, card("28.00")), answer(200, card("45.00")))
    deliver(on_shopify, django_capture_on_commit_callbacks)
    with caplog.at_level(logging.WARNING, logger="integrations.shopify.gift_cards"):
        deliver(
            on_shopify, django_capture_on_commit_callbacks, topic="refunds/create", data=partial_refund(71, "17.00")
        )
    assert [entry[1] for entry in entries(on_shopify, camille)] == [Decimal("-12.00"), Decimal("12.00")]
    assert "gained 17.00, more than the 12.00 left of its spend" in caplog.text


def test_someone_elses_gift_card_is_logged_and_left_alone(
    on_shopify, http, tasks, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="integrations.shopify.gift_cards"):
        deliver(on_shopify, django_capture_on_commit_callbacks)
    assert tasks == [] and http.sent == []
    assert "paid with a gift card that is none of our store credit" in caplog.text


def test_another_shops_gift_card_wallet_never_matches(
    on_shopify, other_merchant, http, tasks, django_capture_on_commit_callbacks
):
    stranger = with_gift_card(other_merchant)

    deliver(on_shopify, django_capture_on_commit_callbacks)
    assert tasks == [] and http.sent == []
    assert entries(other_merchant, stranger) == []


def test_a_card_balance_that_is_no_number_records_nothing(
    on_shopify, camille, http, tasks, caplog, django_capture_on_commit_callbacks
):
    http.then(answer(200, card("twelve")))
    deliver(on_shopify, django_capture_on_commit_callbacks)
    assert entries(on_shopify, camille) == []
    assert "balance that is no number" in caplog.text


def test_the_card_is_not_read_while_an_entry_of_ours_is_on_its_way(on_shopify, camille, http, tasks):
    with merchant_scope(on_shopify):
        Wallet.objects.filter(customer=camille).update(mirror_status="pending")
        wallet = Wallet.objects.get(customer=camille)
    shopify.handle_order(on_shopify, "orders/create", payload("shopify", "orders_create_gift_card.json"))
    with pytest.raises(gift_cards.WalletNotInStepError):  # the task retries later
        gift_cards.gift_card_sync(
            merchant_id=on_shopify.pk, wallet_id=wallet.pk, order_id=order_pk(on_shopify), what="spent"
        )
    assert http.sent == [] and entries(on_shopify, camille) == []
