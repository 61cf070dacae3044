import pytest
from django.test import Client

from core.scoping import merchant_scope
from loyalty import services
from loyalty.models import LoyaltySettings
from merchants.models import Role
from portal import links
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, UserFactory

from .conftest import account_of, adjust, entries_of, place, refund

pytestmark = pytest.mark.django_db
# The customer page with its loyalty part: the page's own queries, then the account and the entries.
PAGE_QUERIES = 14  # with feedback's reviews and review clicks on the timeline, and the redemptions
SETTINGS = {"enabled": "on", "points_per_unit": "2", "deduct_discounts": "on", "pending_days": "14"}


def customer_page(customer):
    return f"/app/orders/customers/{customer.pk}/"


def adjust_url(customer):
    return f"/app/loyalty/customers/{customer.pk}/adjust/"


def member(client, merchant, role):
    user = UserFactory(email=f"{role}@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


def test_the_customer_page_shows_points_history_and_the_form_in_a_fixed_number_of_queries(
    staff_client, merchant, customer, program, django_assert_num_queries
):
    order = place(merchant, customer)
    refund(merchant, order, "29.00")
    staff_client.get(customer_page(customer))  # warm the session and per-process caches
    with django_assert_num_queries(PAGE_QUERIES):
        page = staff_client.get(customer_page(customer))
    for n in range(5):
        adjust(merchant, customer, 1, key=f"staff:{n}")
    with django_assert_num_queries(PAGE_QUERIES):  # more entries, not more queries
        staff_client.get(customer_page(customer))
    html = page.content.decode()
    assert "Loyalty points" in html and "Earned · #1043" in html and "Reversed · #1043" in html
    assert "96 pending" in html
    assert 'name="reason"' in html


def test_viewers_see_the_block_without_the_form_and_cannot_adjust(client, merchant, customer):
    viewer = member(client, merchant, Role.VIEWER)
    adjust(merchant, customer, 30)
    html = viewer.get(customer_page(customer)).content.decode()
    assert "Loyalty points" in html and 'name="reason"' not in html
    assert viewer.post(adjust_url(customer), {"points": "5", "reason": "x", "key": "k"}).status_code == 403
    assert len(entries_of(merchant, customer)) == 1


def test_staff_adjust_with_a_reason_once_per_form(staff_client, merchant, customer, owner):
    form = {"points": "200", "reason": "Parcel lost, goodwill", "key": "form-1"}
    assert staff_client.get(adjust_url(customer)).status_code == 200
    first = staff_client.post(adjust_url(customer), form)
    again = staff_client.post(adjust_url(customer), form)  # a double click
    assert first.status_code == 302 and again.status_code == 302
    [entry] = entries_of(merchant, customer)
    assert (entry.available, entry.note, entry.created_by_id) == (200, "Parcel lost, goodwill", owner.pk)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"points": "-50", "reason": "x"}, "Only 30 points are available"),
        ({"points": "1.5", "reason": "x"}, "Enter a whole number"),
        ({"points": "5", "reason": ""}, "This field is required"),
        ({"points": "0", "reason": "x"}, "not be zero"),
        ({"points": "2000000", "reason": "x"}, "less than or equal to 1000000"),
    ],
)
def test_bad_adjustments_are_400_and_change_nothing(staff_client, merchant, customer, form, message):
    adjust(merchant, customer, 30)
    answer = staff_client.post(adjust_url(customer), {**form, "key": "k"})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert account_of(merchant, customer).available == 30


def test_another_shops_customer_is_a_404(staff_client, other_customer):
    assert staff_client.get(adjust_url(other_customer)).status_code == 404
    assert staff_client.post(adjust_url(other_customer), {"points": "5", "reason": "x", "key": "k"}).status_code == 404


def test_the_members_list_searches_and_shows_balances(staff_client, merchant, customer, django_assert_num_queries):
    adjust(merchant, customer, 30)
    with merchant_scope(merchant):
        others = [CustomerFactory(merchant=merchant, email=f"m{n}@example.org") for n in range(3)]
    for n, other in enumerate(others):
        adjust(merchant, other, 5 + n, key=f"staff:o{n}")
    staff_client.get("/app/loyalty/")
    with django_assert_num_queries(6):  # user, memberships, settings, tiers, count, page
        page = staff_client.get("/app/loyalty/")
    html = page.content.decode()
    assert "4 members" in html and "camille@example.org" in html
    assert html.index("camille@example.org") < html.index("m2@example.org")  # largest balance first
    found = staff_client.get("/app/loyalty/", {"q": "m1@"}).content.decode()
    assert "1 member" in found and "m1@example.org" in found and "camille" not in found
    assert staff_client.get("/app/loyalty/", {"page": "abc"}).status_code == 200


def test_admins_change_the_settings_and_bad_values_are_refused(staff_client, merchant):
    assert staff_client.get("/app/loyalty/settings/").status_code == 200
    bad = staff_client.post("/app/loyalty/settings/", {**SETTINGS, "points_per_unit": "0"})
    assert bad.status_code == 400
    with merchant_scope(merchant):
        assert not LoyaltySettings.objects.exists()
    assert staff_client.post("/app/loyalty/settings/", SETTINGS).status_code == 302
    program = services.loyalty_settings(merchant)
    assert (program.enabled, program.points_per_unit, program.pending_days, program.include_tax) == (True, 2, 14, False)


def test_viewers_read_the_settings_but_cannot_change_them(client, merchant):
    viewer = member(client, merchant, Role.VIEWER)
    assert viewer.get("/app/loyalty/settings/").status_code == 200
    assert viewer.post("/app/loyalty/settings/", SETTINGS).status_code == 403
    assert not services.loyalty_settings(merchant).enabled


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Your loyalty points", "For order #1043", "+120 points", "−24 points", "Item returned or refunded"]),
        ("fr", ["Vos points de fidélité", "Pour la commande #1043", "+120 points", "−24 points", "Article retourné"]),
    ],
)
def test_the_customer_sees_points_pending_and_history_in_the_portal(
    merchant, customer, program, language, words, django_assert_max_num_queries
):
    order = place(merchant, customer)
    refund(merchant, order, "29.00")
    token = links.customer_token(customer)
    Client().get(f"/points/{token}/")  # the first visit records it (loyalty.perks.page_opened)
    with django_assert_max_num_queries(11):  # the settings once; the profile, tiers, referral and reward settings
        page = Client().get(f"/points/{token}/?lang={language}")
    assert page.status_code == 200
    html = page.content.decode()
    for word in words:
        assert word in html, word


def test_the_portal_page_is_a_404_while_the_program_is_off(merchant, customer):
    token = links.customer_token(customer)
    assert Client().get(f"/points/{token}/").status_code == 404
    assert Client().get("/points/not-a-token/").status_code == 404
