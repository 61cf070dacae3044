"""The email KPIs (docs/kpis.md, "Email") on the hand-made history of email_history.py, worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest

from analytics.engine import email_kpis
from core.ranges import Period
from flows.models import FlowKind
from flows.services import EspEvent, message_event_record_from_esp

from .email_history import flow_with_steps, january_orders, seed_email_history, sent
from .history import POSTGRESQL_ONLY, order, paris

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY, pytest.mark.usefixtures("engine")]

MARCH = Period(paris(2026, 3, 1), paris(2026, 4, 1))
AS_OF = paris(2026, 7, 1)


def by_step(merchant, period=MARCH, as_of=AS_OF) -> dict:
    return {(row.flow_name, row.step_name): row for row in email_kpis(merchant, period, as_of)}


def test_march_per_flow_and_step(merchant):
    seed_email_history(merchant)
    rows = by_step(merchant)
    # Winback sent and earned nothing: not shown. Flows in their list's order (kind, name), steps in theirs.
    assert list(rows) == [("Post-purchase", "J+7"), ("Post-purchase", "J+30"), ("Shipped", "Shipped")]

    j7 = rows["Post-purchase", "J+7"]
    # Sent in March: A, B, C, D (E's was sent in February). B bounced: 3 delivered.
    assert (j7.sent, j7.delivered) == (4, 3)
    # Of A, C, D: all three opened, A and D clicked, C unsubscribed.
    assert (j7.open_rate, j7.click_rate, j7.unsubscribe_rate) == (Decimal("1"), Decimal("0.6667"), Decimal("0.3333"))
    # d1 (4 days after D's click, 50 − the 20 refunded before as_of) and e1 (E's February click).
    # a1 went to J+30 (A's last click); d2 came 6 days after the click; a2 is a test order, d3 cancelled.
    assert (j7.orders, j7.revenue) == (2, {"EUR": Decimal("30.00"), "USD": Decimal("40.00")})

    j30 = rows["Post-purchase", "J+30"]
    # G's bounce was reported after as_of: delivered as of as_of.
    assert (j30.sent, j30.delivered) == (2, 2)
    assert (j30.open_rate, j30.click_rate, j30.unsubscribe_rate) == (Decimal("0"), Decimal("0.5"), Decimal("0"))
    assert (j30.orders, j30.revenue) == (1, {"EUR": Decimal("70.00")})

    shipped = rows["Shipped", "Shipped"]
    assert (shipped.sent, shipped.delivered, shipped.open_rate, shipped.click_rate) == (1, 1, Decimal("1"), 0)
    assert (shipped.orders, shipped.revenue) == (0, {})


def test_as_of_hides_what_was_not_known_yet(merchant):
    seed_email_history(merchant)
    # As of March 9 11:00: the period ends there; d1 (12:00) is not placed yet, nor G's email sent.
    rows = by_step(merchant, as_of=paris(2026, 3, 9, 11))
    assert (rows["Post-purchase", "J+7"].orders, rows["Post-purchase", "J+7"].revenue) == (1, {"USD": Decimal("40.00")})
    assert rows["Post-purchase", "J+30"].sent == 1
    # Later, G's bounce is known: not delivered.
    assert by_step(merchant, as_of=paris(2026, 8, 2))["Post-purchase", "J+30"].delivered == 1


def test_the_attribution_window_is_five_days_after_the_click(merchant):
    (step,) = flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    about = january_orders(merchant, "a", "b")
    click = paris(2026, 3, 2, 12)
    sent(merchant, step, about["a"], click - timedelta(hours=1), clicked=click)
    sent(merchant, step, about["b"], click - timedelta(hours=1), clicked=click)
    order(merchant, "a1", "a@example.org", click + timedelta(days=5), "10.00")  # the window's last moment
    order(merchant, "b1", "b@example.org", click + timedelta(days=5, seconds=1), "20.00")
    order(merchant, "a0b", "a@example.org", click - timedelta(seconds=1), "40.00")  # before the click
    (row,) = email_kpis(merchant, MARCH, AS_OF)
    assert (row.orders, row.revenue) == (1, {"EUR": Decimal("10.00")})


def test_the_last_click_wins_across_steps(merchant):
    j7, j30 = flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7", "J+30")
    about = january_orders(merchant, "a")
    first = sent(merchant, j7, about["a"], paris(2026, 3, 1, 9), clicked=paris(2026, 3, 1, 10))
    sent(merchant, j30, about["a"], paris(2026, 3, 2, 9), clicked=paris(2026, 3, 2, 10))
    order(merchant, "a1", "a@example.org", paris(2026, 3, 2, 18), "70.00")
    # A clicks J+7's email again on Mar 3, after J+30's: J+7 holds the last click before a2.
    clicked_again = EspEvent(
        event_type="clicked", message_id=first.provider_message_id, event_id="again", timestamp=paris(2026, 3, 3, 10)
    )
    assert message_event_record_from_esp(esp_name="postmark", event=clicked_again)
    order(merchant, "a2", "a@example.org", paris(2026, 3, 4, 10), "30.00")
    rows = by_step(merchant)
    assert rows["Post-purchase", "J+30"].revenue == {"EUR": Decimal("70.00")}  # a1: J+30's click was the last
    assert rows["Post-purchase", "J+7"].revenue == {"EUR": Decimal("30.00")}  # a2
    assert rows["Post-purchase", "J+7"].click_rate == 1  # one clicking email, however many clicks


def test_money_keeps_each_currencys_decimals(merchant):
    (step,) = flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    about = january_orders(merchant, "a", "b", "c")
    for letter in "abc":
        sent(merchant, step, about[letter], paris(2026, 3, 2, 9), clicked=paris(2026, 3, 2, 10))
    order(merchant, "a1", "a@example.org", paris(2026, 3, 3), "12.345", "KWD")
    order(merchant, "b1", "b@example.org", paris(2026, 3, 3), "0.005", "KWD")
    order(merchant, "c1", "c@example.org", paris(2026, 3, 3), "1500", "JPY")
    (row,) = email_kpis(merchant, MARCH, AS_OF)
    assert row.revenue == {"JPY": Decimal("1500"), "KWD": Decimal("12.350")}
    assert str(row.revenue["KWD"]) == "12.350" and row.orders == 3


def test_another_shop_sees_none_of_it(merchant, other_merchant):
    seed_email_history(merchant)
    bounced, quiet = flow_with_steps(other_merchant, "Post-purchase", FlowKind.MARKETING, "J+7", "J+30")
    about = january_orders(other_merchant, "a")  # the same address as in the first shop, another customer
    sent(other_merchant, bounced, about["a"], paris(2026, 3, 2, 9), bounced=paris(2026, 3, 2, 10))
    (row,) = email_kpis(other_merchant, MARCH, AS_OF)  # J+30 sent nothing: no row
    assert row.step_id == bounced.pk
    # Nothing delivered: null rates, never a division by zero; a's orders in the first shop are not these.
    assert (row.sent, row.delivered, row.open_rate, row.click_rate, row.unsubscribe_rate) == (1, 0, None, None, None)
    assert (row.orders, row.revenue) == (0, {})


def test_a_step_that_only_earned_has_null_rates(merchant):
    (step,) = flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    about = january_orders(merchant, "a")
    sent(merchant, step, about["a"], paris(2026, 2, 27, 9), clicked=paris(2026, 2, 27, 10))
    order(merchant, "a1", "a@example.org", paris(2026, 3, 1, 9), "15.00")
    (row,) = email_kpis(merchant, MARCH, AS_OF)
    assert (row.sent, row.delivered, row.click_rate, row.orders, row.revenue) == (
        0,
        0,
        None,
        1,
        {"EUR": Decimal("15.00")},
    )


def test_a_shop_that_sent_nothing_has_no_rows(merchant):
    assert email_kpis(merchant, MARCH, AS_OF) == []
    flow_with_steps(merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    assert email_kpis(merchant, MARCH, AS_OF) == []
