"""Store credit and shop now: the policy's resolutions, their bonus, and the credit issued once when resolved."""

import json
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope
from flows.models import StepTemplate
from flows.services import default_flows_install
from portal.links import order_token
from returns.lifecycle import (
    ItemInput,
    ReturnStateError,
    ReturnValidationError,
    credit_key,
    return_approve,
    return_receive,
    return_request_create,
    return_resolution_change,
    return_resolve,
)
from returns.models import BonusKind, ReturnPolicy, ReturnRequest, ReturnStatus
from shop_actions.models import ShopAction
from store_credit.models import Entry, Wallet
from store_credit.services import credit_issue
from tests.factories import LineItemFactory, OrderFactory

pytestmark = pytest.mark.django_db
CREDIT_FIRST = ["store_credit", "refund", "shop_now"]


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself", "keep_it"],
            keep_it_below=Decimal("100"),
            fee=Decimal("5"),
            resolutions=CREDIT_FIRST,
            credit_bonus_kind=BonusKind.FLAT,
            credit_bonus=Decimal("10"),
        )


@pytest.fixture
def order(merchant):
    order = OrderFactory(merchant=merchant, placed_at=timezone.now() - timedelta(days=3), discount=Decimal(0))
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("27"), quantity=2)
    return order


def candle(order):
    with merchant_scope(order.merchant):
        return order.line_items.get(title="Candle").pk


def ask(order, resolution="store_credit", method="ship_yourself", quantity=2):
    return return_request_create(
        order=order, items=[ItemInput(candle(order), quantity, "too_big")], method=method, resolution=resolution
    )


def received(request):
    return_approve(request=request)
    with merchant_scope(request.merchant):
        inspections = {pk: "as_expected" for pk in request.items.values_list("pk", flat=True)}
    return return_receive(request=request, inspections=inspections)


def entries(merchant):
    with merchant_scope(merchant):
        return list(Entry.objects.filter(merchant=merchant))


def fresh(request):
    with merchant_scope(request.merchant):
        return ReturnRequest.objects.select_related("credit_entry").get(pk=request.pk)


# --- What each resolution is worth ------------------------------------------------------------------


def test_store_credit_adds_the_flat_bonus_and_pays_no_fee_while_a_refund_pays_it(order, policy):
    credit = ask(order, quantity=1)
    assert (credit.credit_amount, credit.bonus_amount, credit.fee, credit.refund_amount) == (
        Decimal("37"),
        Decimal("10"),
        0,
        0,
    )
    refund = ask(order, resolution="refund", quantity=1)
    assert (refund.refund_amount, refund.fee, refund.credit_amount, refund.bonus_amount) == (Decimal("22"), 5, 0, 0)


@pytest.mark.parametrize(
    ("currency", "items", "percent", "bonus"),
    [
        ("EUR", "27.00", "12.5", "3.38"),  # 3.375 rounded half up to cents
        ("JPY", "1001", "12.5", "125"),  # 125.125: no decimals in yen
        ("KWD", "10.005", "10", "1.001"),  # 1.0005: three decimals, half up
    ],
)
def test_a_percentage_bonus_is_rounded_half_up_to_the_currencys_decimals(currency, items, percent, bonus):
    policy = ReturnPolicy(credit_bonus_kind=BonusKind.PERCENT, credit_bonus=Decimal(percent))
    assert policy.bonus_for("shop_now", Decimal(items), currency) == Decimal(bonus)
    assert policy.bonus_for("refund", Decimal(items), currency) == 0
    assert policy.fee_for("store_credit") == policy.fee_for("shop_now") == 0


def test_a_resolution_the_policy_does_not_offer_is_refused_and_nothing_is_stored(order, policy):
    with merchant_scope(order.merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(resolutions=["refund"])
    with pytest.raises(ReturnValidationError) as refused:
        ask(order, resolution="shop_now")
    assert "resolutions the shop offers" in refused.value.errors["resolution"]
    with pytest.raises(ReturnValidationError):
        ask(order, resolution="exchange_variant")
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists()


def test_a_guest_order_cannot_take_store_credit(merchant, policy):
    guest = OrderFactory(merchant=merchant, customer=None, placed_at=timezone.now() - timedelta(days=3))
    LineItemFactory(merchant=merchant, order=guest, title="Candle", unit_price=Decimal("27"), quantity=1)
    with pytest.raises(ReturnValidationError) as refused:
        ask(guest, quantity=1)
    assert "customer account" in refused.value.errors["resolution"]
    html = Client().get(f"/returns/{order_token(guest)}/?lang=en").content.decode()
    assert 'name="resolution" value="refund"' in html and 'value="store_credit"' not in html


def test_a_return_keeps_the_resolutions_its_customer_was_offered(merchant, policy, order):
    # Exchange conversion counts the returns offered an exchange (docs/kpis.md, "Returns").
    assert ask(order, resolution="refund", quantity=1).offered_resolutions == CREDIT_FIRST
    guest = OrderFactory(merchant=merchant, customer=None, placed_at=timezone.now() - timedelta(days=3))
    LineItemFactory(merchant=merchant, order=guest, title="Candle", unit_price=Decimal("27"), quantity=1)
    assert ask(guest, resolution="refund", quantity=1).offered_resolutions == ["refund"]  # no wallet for a guest


# --- Carried out once -----------------------------------------------------------------------------


def test_resolving_issues_the_credit_once_and_closes_without_a_refund(order, policy):
    request = received(ask(order))
    return_resolve(request=request)
    with pytest.raises(ReturnStateError):  # a double click: the return has moved on
        return_resolve(request=request)
    request = fresh(request)
    (entry,) = entries(order.merchant)
    assert request.status == ReturnStatus.CLOSED and request.credit_entry == entry
    assert (entry.amount, entry.source, entry.source_ref, entry.key) == (
        Decimal("64.00"),
        "return",
        request.rma,
        f"return:{request.rma}:credit",
    )
    with merchant_scope(order.merchant):
        assert Wallet.objects.get(customer=order.customer).balance == Decimal("64.00")
        assert not ShopAction.objects.filter(kind="refund").exists()
    # A retried task or a redelivered event asks with the same key: the same entry, nothing added.
    again = credit_issue(
        merchant=order.merchant,
        customer=order.customer,
        amount=request.credit_amount,
        currency="EUR",
        key=credit_key(request),
        source="return",
        source_ref=request.rma,
    )
    assert again.pk == entry.pk and len(entries(order.merchant)) == 1


def test_a_kept_item_gets_its_credit_as_soon_as_it_is_approved_and_only_once(order, policy):
    request = ask(order, resolution="shop_now", method="keep_it", quantity=1)
    assert fresh(request).status == ReturnStatus.REQUESTED  # the policy wants staff to look first
    approved = return_approve(request=request)
    assert approved.status == fresh(request).status == ReturnStatus.CLOSED
    assert [e.amount for e in entries(order.merchant)] == [Decimal("37.00")]
    # A second approval (a double click, a retried task) and a late "resolve" change nothing.
    for again in (return_approve, return_resolve):
        with pytest.raises(ReturnStateError):
            again(request=request)
    assert len(entries(order.merchant)) == 1


def auto_approving(policy):
    with merchant_scope(policy.merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(auto_approve=True)


@pytest.mark.parametrize("resolution", ["store_credit", "shop_now"])
def test_a_kept_item_confirmed_by_the_customer_is_credited_at_once(order, policy, resolution):
    auto_approving(policy)
    request = ask(order, resolution=resolution, method="keep_it", quantity=1)
    assert request.status == fresh(request).status == ReturnStatus.CLOSED
    with merchant_scope(order.merchant):
        statuses = list(request.notes.values_list("status", flat=True))
    assert statuses == ["requested", "approved", "resolved", "closed"]
    assert [e.amount for e in entries(order.merchant)] == [Decimal("37.00")]


def test_a_kept_item_confirmed_for_a_refund_asks_the_shop_once_even_when_submitted_twice(order, policy):
    auto_approving(policy)
    line = candle(order)
    kept = [ItemInput(line, 1, "too_big")]
    first = return_request_create(
        order=order, items=kept, method="keep_it", resolution="refund", submission_key="k" * 32
    )
    second = return_request_create(
        order=order, items=kept, method="keep_it", resolution="refund", submission_key="k" * 32
    )
    assert first.pk == second.pk and fresh(first).status == ReturnStatus.RESOLVED
    with merchant_scope(order.merchant):
        (action,) = ShopAction.objects.filter(merchant=order.merchant, kind="refund")
    # A kept item pays no return fee: the whole item is refunded.
    assert (fresh(first).refund_action, action.payload["amount"]) == (action, "27.00")
    assert not entries(order.merchant)


def test_a_kept_item_worth_too_much_is_refused_and_nothing_is_stored(order, policy):
    auto_approving(policy)
    with merchant_scope(policy.merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(keep_it_below=Decimal("30"))
    with pytest.raises(ReturnValidationError, match="worth too much to keep"):
        ask(order, method="keep_it", quantity=2)  # 54.00
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists()
    assert not entries(order.merchant)


def test_staff_switch_credit_to_a_refund_until_it_is_carried_out(order, policy, staff_client):
    request = ask(order)
    response = staff_client.post(f"/app/returns/{request.pk}/resolution/", {"resolution": "refund"})
    assert response.status_code == 302
    request = fresh(request)
    assert (request.resolution, request.refund_amount, request.fee, request.credit_amount) == ("refund", 49, 5, 0)
    assert staff_client.post(f"/app/returns/{request.pk}/resolution/", {"resolution": "nope"}).status_code == 400
    received(request)
    return_resolve(request=request)
    assert not entries(order.merchant)  # a refund: the shop is asked, no credit
    with pytest.raises(ReturnStateError):
        return_resolution_change(request=request, resolution="store_credit")
    assert (
        staff_client.post(f"/app/returns/{request.pk}/resolution/", {"resolution": "store_credit"}).status_code == 409
    )
    assert fresh(request).resolution == "refund"


def test_another_shops_return_cannot_be_switched(other_merchant, staff_client):
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(merchant=other_merchant, methods=["ship_yourself"], resolutions=CREDIT_FIRST)
    theirs = OrderFactory(merchant=other_merchant, placed_at=timezone.now() - timedelta(days=3))
    LineItemFactory(merchant=other_merchant, order=theirs, title="Candle", unit_price=Decimal("27"), quantity=2)
    request = ask(theirs)
    assert staff_client.post(f"/app/returns/{request.pk}/resolution/", {"resolution": "refund"}).status_code == 404
    assert fresh(request).resolution == "store_credit"


def test_the_staff_page_and_queue_show_the_credit(order, policy, staff_client):
    request = ask(order)
    return_approve(request=request)
    page = staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    assert "Store credit" in page and "€64.00" in page and "€10.00" in page and "Give the store credit now" in page
    assert f'action="/app/returns/{request.pk}/resolution/"' in page
    queue = staff_client.get("/app/returns/?status=approved").content.decode()
    assert "€64.00" in queue and "Store credit" in queue


# --- The customer's form --------------------------------------------------------------------------


def test_the_form_offers_the_resolutions_in_the_policys_order_with_what_each_needs(order, policy):
    html = Client().get(f"/returns/{order_token(order)}/?lang=en").content.decode()
    positions = [html.index(f'name="resolution" value="{code}"') for code in CREDIT_FIRST]
    assert positions == sorted(positions)
    assert 'value="store_credit" checked' in html
    assert 'data-credit="1" data-fee-minor="0" data-bonus-minor="1000"' in html
    assert 'value="refund" data-credit="0" data-fee-minor="500"' in html
    assert "€10.00 bonus, no return fee" in html
    french = Client().get(f"/returns/{order_token(order)}/?lang=fr").content.decode()
    assert "Avoir" in french and "Que souhaitez-vous en échange" in french


def test_the_form_sends_the_chosen_resolution_and_refuses_one_not_offered(order, policy):
    pk = candle(order)
    data = {f"quantity-{pk}": "1", f"reason-{pk}": "too_big", "method": "ship_yourself"}
    client = Client()
    refused = client.post(f"/returns/{order_token(order)}/?lang=en", {**data, "resolution": "exchange_variant"})
    assert refused.status_code == 400 and "Choose one of the resolutions the shop offers." in refused.content.decode()
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists()
    assert client.post(f"/returns/{order_token(order)}/?lang=en", {**data, "resolution": "shop_now"}).status_code == 302
    with merchant_scope(order.merchant):
        made = ReturnRequest.objects.get()
    assert made.resolution == "shop_now"
    page = client.get(f"/returns/{order_token(order)}/{made.rma}/?lang=fr").content.decode()
    assert "Échange contre un autre article" in page and "37,00\u00a0€" in page


# --- The API --------------------------------------------------------------------------------------


def test_the_api_takes_and_shows_the_credit_resolutions(api, order, policy):
    body = {
        "order_id": order.pk,
        "items": [{"line_item_id": candle(order), "quantity": 1, "reason": "too_big"}],
        "method": "ship_yourself",
        "resolution": "store_credit",
    }
    created = api.post("/api/v1/returns", data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    data = created.json()
    assert (data["resolution"], data["credit_amount"], data["bonus_amount"], data["fee"], data["refund_amount"]) == (
        "store_credit",
        "37.00",
        "10.00",
        "0.00",
        "0.00",
    )
    with merchant_scope(order.merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(resolutions=["refund"])
    refused = api.post(
        "/api/v1/returns", data=json.dumps({**body, "resolution": "shop_now"}), content_type="application/json"
    )
    assert refused.status_code == 400 and "resolution" in refused.json()
    with merchant_scope(order.merchant):
        assert ReturnRequest.objects.count() == 1


# --- Settings → Returns ---------------------------------------------------------------------------

POLICY_FORM = {"window_days": "30", "window_start": "delivery", "methods": ["ship_yourself"]}


def test_an_admin_orders_the_resolutions_and_sets_a_percentage_bonus(staff_client, merchant):
    form = {
        **POLICY_FORM,
        "resolution_1": "shop_now",
        "resolution_2": "refund",
        "resolution_3": "",
        "credit_bonus_kind": "percent",
        "credit_bonus": "12.5",
    }
    assert staff_client.post("/app/settings/returns/", form).status_code == 302
    with merchant_scope(merchant):
        policy = ReturnPolicy.objects.get()
    assert policy.resolutions == ["shop_now", "refund"] and policy.credit_bonus == Decimal("12.5")
    page = staff_client.get("/app/settings/returns/").content.decode()
    assert '<option value="shop_now" selected>' in page and 'value="12.5"' in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"credit_bonus_kind": "percent", "credit_bonus": "150"}, "at most 100"),
        ({"credit_bonus_kind": "percent", "credit_bonus": "1.255"}, "at most 2 decimals"),
        ({"credit_bonus_kind": "flat", "credit_bonus": "1.255"}, "at most 2 decimals"),
        ({"resolution_1": "refund", "resolution_2": "refund"}, "Offer each resolution once"),
        ({"resolution_1": "exchange_anything"}, "Select a valid choice"),
    ],
)
def test_bad_resolution_settings_are_a_400_and_save_nothing(staff_client, merchant, change, message):
    response = staff_client.post("/app/settings/returns/", {**POLICY_FORM, **change})
    assert response.status_code == 400 and message in response.content.decode()
    with merchant_scope(merchant):
        assert not ReturnPolicy.objects.exists()


# --- Emails ---------------------------------------------------------------------------------------


def test_shops_that_kept_the_default_emails_get_the_credit_wording(merchant):
    migration = import_module("returns.migrations.0011_credit_email_wording")
    default_flows_install(merchant=merchant)
    old_en, _new = migration.CHANGES[("return-refunded", "en")]
    old_fr, _new = migration.CHANGES[("return-refunded", "fr")]
    with merchant_scope(merchant):
        rows = StepTemplate.objects.filter(step__key="return-refunded")
        rows.filter(language="en").update(subject=old_en["subject"], html_body=old_en["html"])
        rows.filter(language="fr").update(subject="Edited by the shop", html_body=old_fr["html"])
    migration.credit_wording(apps, None)
    migration.credit_wording(apps, None)
    with merchant_scope(merchant):
        english, french = (rows.get(language=language) for language in ("en", "fr"))
    assert "Your store credit of" in english.subject and "return.credit_amount" in english.html_body
    assert french.subject == "Edited by the shop" and french.html_body == old_fr["html"]


def test_the_return_emails_say_store_credit_in_the_customers_language(merchant):
    from tests.returns.test_emails import ASKED, body_of, dispatch_at, moved, placed

    with merchant_scope(merchant):
        ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself"],
            fee=Decimal("4.50"),
            resolutions=["store_credit", "refund"],
            credit_bonus_kind=BonusKind.PERCENT,
            credit_bonus=Decimal("10"),
        )
    order = placed(merchant)
    with merchant_scope(merchant):
        line = order.line_items.get()
    request = moved(
        merchant,
        ASKED,
        return_request_create,
        order=order,
        items=[ItemInput(line.pk, 1, "too_big")],
        method="ship_yourself",
        resolution="store_credit",
    )
    (email,) = dispatch_at(ASKED)
    assert "Avoir\u00a0: <strong>54,89\u00a0€</strong> (dont un bonus de 4,99\u00a0€)" in body_of(email)
    moved(merchant, ASKED, return_approve, request=request)
    moved(merchant, ASKED, return_resolve, request=request)
    sent = dispatch_at(ASKED + timedelta(hours=2))
    closing = next(e for e in sent if e.subject == "Votre avoir de 54,89\u00a0€ est prêt")
    assert "Nous avons ajouté un avoir de <strong>54,89\u00a0€</strong>" in body_of(closing)
    assert "remboursé" not in body_of(closing)
