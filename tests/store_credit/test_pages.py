from decimal import Decimal

import pytest
from django.test import Client

from core.scoping import merchant_scope
from merchants.models import Role
from portal import links
from store_credit import services
from store_credit.models import CreditSettings
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory

from .conftest import entries_of, issue, spend, wallet_of

pytestmark = pytest.mark.django_db
# The customer page with its store-credit part: the page's own queries, then the wallets and the entries
# (and loyalty's part: the customer's account, none here; feedback's reviews and review clicks on the timeline).
PAGE_QUERIES = 12


def customer_page(customer):
    return f"/app/orders/customers/{customer.pk}/"


def adjust_url(customer):
    return f"/app/store-credit/customers/{customer.pk}/adjust/"


def member(client, merchant, role):
    user = UserFactory(email=f"{role}@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


def test_the_customer_page_shows_balances_history_and_the_form_in_a_fixed_number_of_queries(
    staff_client, merchant, customer, django_assert_num_queries
):
    issue(merchant, customer, "30.00", key="a")
    services.credit_spend_reported(
        merchant=merchant, customer=customer, amount=Decimal(40), currency="EUR", key="shop:1", source_ref="9001"
    )
    staff_client.get(customer_page(customer))  # warm the session and per-process caches
    with django_assert_num_queries(PAGE_QUERIES):
        page = staff_client.get(customer_page(customer))
    for n in range(5):
        issue(merchant, customer, "1.00", key=f"more:{n}")
    with django_assert_num_queries(PAGE_QUERIES):  # more entries, not more queries
        staff_client.get(customer_page(customer))
    html = page.content.decode()
    assert "Store credit" in html and "Spent · The shop · 9001" in html
    assert "Overdrawn" in html
    assert wallet_of(merchant, customer).code in html
    assert 'name="reason"' in html


def test_agents_see_the_block_without_the_form_and_cannot_adjust(client, merchant, customer):
    agent = member(client, merchant, Role.AGENT)
    issue(merchant, customer, "30.00")
    html = agent.get(customer_page(customer)).content.decode()
    assert "Store credit" in html and f'action="{adjust_url(customer)}"' not in html  # loyalty's form may be there
    answer = agent.post(adjust_url(customer), {"amount": "5", "currency": "EUR", "reason": "x", "key": "k"})
    assert answer.status_code == 403
    assert len(entries_of(merchant, customer)) == 1


def test_an_admin_adjusts_with_a_reason_once_per_form(staff_client, merchant, customer, owner):
    form = {"amount": "12.00", "currency": "EUR", "reason": "Parcel lost, goodwill", "key": "form-1"}
    first = staff_client.post(adjust_url(customer), form)
    again = staff_client.post(adjust_url(customer), form)  # a double click
    assert first.status_code == 302 and again.status_code == 302
    [entry] = entries_of(merchant, customer)
    assert (entry.amount, entry.note, entry.created_by_id) == (Decimal("12.00"), "Parcel lost, goodwill", owner.pk)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"amount": "-50", "currency": "EUR", "reason": "x"}, "Only 30.00 EUR"),
        ({"amount": "1.234", "currency": "EUR", "reason": "x"}, "at most 2 decimals"),
        ({"amount": "5", "currency": "EUR", "reason": ""}, "This field is required"),
        ({"amount": "5", "currency": "QQQ", "reason": "x"}, "Unknown currency"),
    ],
)
def test_bad_adjustments_are_400_and_change_nothing(staff_client, merchant, customer, form, message):
    issue(merchant, customer, "30.00")
    answer = staff_client.post(adjust_url(customer), {**form, "key": "k"})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert wallet_of(merchant, customer).balance == Decimal("30.00")


def test_another_shops_customer_is_a_404(staff_client, other_customer):
    assert staff_client.get(adjust_url(other_customer)).status_code == 404
    form = {"amount": "5", "currency": "EUR", "reason": "x", "key": "k"}
    assert staff_client.post(adjust_url(other_customer), form).status_code == 404


def test_admins_set_the_expiry_and_bad_values_are_refused(staff_client, merchant):
    assert staff_client.get("/app/settings/store-credit/").status_code == 200
    assert staff_client.post("/app/settings/store-credit/", {"expiry_months": "0"}).status_code == 400
    assert staff_client.post("/app/settings/store-credit/", {"expiry_months": "12"}).status_code == 302
    with merchant_scope(merchant):
        assert CreditSettings.objects.get(merchant=merchant).expiry_months == 12
    assert staff_client.post("/app/settings/store-credit/", {"expiry_months": ""}).status_code == 302
    with merchant_scope(merchant):
        assert CreditSettings.objects.get(merchant=merchant).expiry_months is None


def test_viewers_read_the_settings_but_cannot_change_them(client, merchant):
    viewer = member(client, merchant, Role.VIEWER)
    assert viewer.get("/app/settings/store-credit/").status_code == 200
    assert viewer.post("/app/settings/store-credit/", {"expiry_months": "3"}).status_code == 403


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Your store credit", "Credit for a return", "Spent"]),
        ("fr", ["Votre avoir", "Avoir pour un retour", "Dépensé"]),
    ],
)
def test_the_customer_sees_balance_code_and_history_in_the_portal(
    merchant, customer, language, words, django_assert_max_num_queries
):
    issue(merchant, customer, "30.00")
    spend(merchant, customer, "10.00", key="portal:1")
    token = links.customer_token(customer)
    with django_assert_max_num_queries(8):
        page = Client().get(f"/credit/{token}/?lang={language}")
    assert page.status_code == 200
    html = page.content.decode()
    assert wallet_of(merchant, customer).code in html
    for word in words:
        assert word in html


def test_a_bad_portal_link_is_refused(merchant):
    assert Client().get("/credit/not-a-token/").status_code == 404
