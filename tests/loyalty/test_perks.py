"""Perks: the bonus on the Nth order, birthday points, members only after they open their page."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from core.scoping import merchant_scope
from loyalty import perks, services, tiers
from loyalty.errors import LoyaltyValidationError
from loyalty.models import MemberProfile, Source
from orders.events import events_publish_pending
from orders.models import OrderEvent
from portal import links

from .conftest import entries_of, place

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def perks_set(merchant, **values):
    rules = {
        "tier_basis": "points",
        "tier_period": "calendar_year",
        "bonus_order_number": 0,
        "bonus_points": 0,
        "birthday_points": 0,
        "members_only": False,
        **values,
    }
    tiers.tiers_save(merchant=merchant, rules=rules, rows=[], removed=[])


def of_source(merchant, customer, source) -> list:
    return [entry for entry in entries_of(merchant, customer) if entry.source == source]


# --- Bonus on the Nth order -----------------------------------------------------------------------------


def test_the_third_order_earns_the_bonus_once_despite_redelivery(merchant, customer, program):
    perks_set(merchant, bonus_order_number=3, bonus_points=200)
    place(merchant, customer, number="#1")
    place(merchant, customer, number="#2")
    assert of_source(merchant, customer, Source.BONUS) == []
    third = place(merchant, customer, number="#3")
    with merchant_scope(merchant):
        created = OrderEvent.objects.get(order=third, kind="order.created")
        created.published_at = None
        created.save(update_fields=["published_at"])
    events_publish_pending()  # the same event again
    perks.order_bonus_award(third)  # and a retried task
    place(merchant, customer, number="#4")
    [bonus] = of_source(merchant, customer, Source.BONUS)
    assert (bonus.pending, bonus.key, bonus.note) == (200, f"bonus:order:{third.pk}", "#3")
    assert bonus.order_id is None  # refunds of the order count against its own points only


def test_a_cancelled_earlier_order_does_not_give_a_second_bonus(merchant, customer, program):
    perks_set(merchant, bonus_order_number=2, bonus_points=50)
    first = place(merchant, customer, number="#1")
    place(merchant, customer, number="#2")
    with merchant_scope(merchant):
        first.cancelled_at = first.placed_at
        first.save(update_fields=["cancelled_at"])
    place(merchant, customer, number="#3")
    assert len(of_source(merchant, customer, Source.BONUS)) == 1


def test_no_bonus_while_it_is_off_or_the_program_is_off(merchant, customer):
    perks_set(merchant, bonus_order_number=1, bonus_points=50)
    place(merchant, customer, number="#1")  # program off
    assert entries_of(merchant, customer) == []


# --- Birthday ---------------------------------------------------------------------------------------------


def test_the_birthday_is_given_then_changed_once_in_twelve_months(merchant, customer):
    with at(2026, 1, 10):
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 14))
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 15))  # the one change
        with pytest.raises(LoyaltyValidationError) as refused:
            perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 16))
    assert "changed again from" in refused.value.errors["birthday"]
    with merchant_scope(merchant):
        assert MemberProfile.objects.get(customer=customer).birthday == date(1990, 5, 15)
    with at(2027, 1, 11):
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 16))
    with merchant_scope(merchant):
        assert MemberProfile.objects.get(customer=customer).birthday == date(1990, 5, 16)


@pytest.mark.parametrize("day", [date(2030, 1, 1), date(1899, 12, 31)])
def test_a_birthday_in_the_future_or_absurdly_old_is_refused(merchant, customer, day):
    with pytest.raises(LoyaltyValidationError):
        perks.birthday_set(merchant=merchant, customer=customer, birthday=day)


def test_birthday_points_once_a_year_on_the_day(merchant, customer, program):
    perks_set(merchant, birthday_points=100)
    with at(2026, 1, 10):
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 14))
    with at(2026, 5, 13):
        assert perks.birthday_points_award_all() == 0
    with at(2026, 5, 14, hour=10):
        assert perks.birthday_points_award_all() == 1
    with at(2026, 5, 14, hour=11):
        assert perks.birthday_points_award_all() == 0  # hourly task: once
    with at(2026, 6, 1):  # moved to a later day the same year: nothing more this year
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 6, 1))
        assert perks.birthday_points_award_all() == 0
    with at(2027, 6, 1):
        assert perks.birthday_points_award_all() == 1
    assert [(e.key, e.available) for e in of_source(merchant, customer, Source.BIRTHDAY)] == [
        (f"birthday:{customer.pk}:2026", 100),
        (f"birthday:{customer.pk}:2027", 100),
    ]


def test_the_29th_of_february_is_celebrated_on_the_28th_in_other_years(merchant, customer, program):
    perks_set(merchant, birthday_points=10)
    with at(2026, 1, 10):
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(2000, 2, 29))
    with at(2026, 2, 28):
        assert perks.birthday_points_award_all() == 1


def test_the_portal_saves_the_birthday_and_refuses_a_second_change_clearly(merchant, customer, program):
    token = links.customer_token(customer)
    url = f"/points/{token}/birthday/?lang=en"
    client = Client()
    with at(2026, 1, 10):
        assert client.post(url, {"birthday": "1990-05-14"}).status_code == 302
        assert client.post(url, {"birthday": "1990-05-15"}).status_code == 302
        refused = client.post(url, {"birthday": "1990-05-16"})
        bad = client.post(url, {"birthday": "14/05/1990"})
        page = client.get(f"/points/{token}/?lang=en").content.decode()
    assert refused.status_code == 400 and "can be changed again from" in refused.content.decode()
    assert bad.status_code == 400 and "Give a date such as 1990-05-14." in bad.content.decode()
    assert 'value="1990-05-15"' in page
    assert client.get(f"/points/{token}/birthday/").status_code == 405
    assert client.post("/points/not-a-token/birthday/", {"birthday": "1990-05-14"}).status_code == 404


def test_the_french_refusal_is_french(merchant, customer, program):
    token = links.customer_token(customer)
    with at(2026, 1, 10):
        for day in ("1990-05-14", "1990-05-15"):
            Client().post(f"/points/{token}/birthday/?lang=fr", {"birthday": day})
        refused = Client().post(f"/points/{token}/birthday/?lang=fr", {"birthday": "1990-05-16"})
    assert "à nouveau à partir du" in refused.content.decode()


# --- Members only -------------------------------------------------------------------------------------------


def test_members_only_earn_after_opening_their_loyalty_page(merchant, customer, program):
    perks_set(merchant, members_only=True, bonus_order_number=1, bonus_points=30)
    place(merchant, customer, number="#1")
    services.points_grant(merchant=merchant, customer=customer, points=5, source=Source.REVIEW, key="review:1")
    assert entries_of(merchant, customer) == []
    token = links.customer_token(customer)
    assert Client().get(f"/points/{token}/").status_code == 200
    with merchant_scope(merchant):
        opened = MemberProfile.objects.get(customer=customer).opened_at
    assert opened is not None
    Client().get(f"/points/{token}/")
    with merchant_scope(merchant):
        assert MemberProfile.objects.get(customer=customer).opened_at == opened  # the first visit is kept
    place(merchant, customer, number="#2")
    assert [e.points for e in entries_of(merchant, customer)] == [120]  # no bonus: #2 is not the first order


def test_everyone_earns_while_members_only_is_off(merchant, customer, program):
    perks_set(merchant, members_only=False)
    place(merchant, customer)
    assert [e.points for e in entries_of(merchant, customer)] == [120]


# --- Privacy ------------------------------------------------------------------------------------------------


def test_the_birthday_and_tiers_are_exported_and_the_birthday_erased(merchant, customer, other_customer):
    from orders import privacy

    from .test_tiers import grant, program_with_tiers

    program_with_tiers(merchant)
    grant(merchant, customer, 150, "review:1")
    tiers.tiers_evaluate(merchant)
    perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 14))
    perks.birthday_set(merchant=other_customer.merchant, customer=other_customer, birthday=date(1991, 1, 2))
    with merchant_scope(merchant):
        subject = privacy.subject_for(merchant=merchant, emails=["camille@example.org"])
        [data] = privacy.personal_data_collect(subject=subject)["loyalty_membership"]
        assert data["birthday"] == "1990-05-14" and [t["tier"] for t in data["tiers"]] == ["Silver"]
        privacy.personal_data_erase(subject=subject)
        assert not MemberProfile.objects.filter(customer=customer).exists()
    with merchant_scope(other_customer.merchant):
        assert MemberProfile.objects.get(customer=other_customer).birthday == date(1991, 1, 2)
