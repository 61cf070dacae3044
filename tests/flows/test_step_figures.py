"""The flow pages' email figures are the Analytics ones (docs/kpis.md "Email", flows/email_figures.py).

On the hand-made history of tests/analytics/email_history.py, seen on 2026-03-31 at noon (Paris): the last
30 days are March 2 to 31. J+7: A, B, C, D sent (E's on February 27 is before), B bounced: 3 delivered, all
opened, A and D clicked, C unsubscribed; d1 (March 9, 4 days after D's click) is J+7's, its April refund not
known yet: 50.00. J+30: A and G (G's August bounce not known yet), A clicked: a1 (70.00) is J+30's, A's last
click. e1 (March 1) is before the 30 days.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from analytics.email import email_kpis
from core.ranges import chosen_range
from core.scoping import merchant_scope
from flows.models import FlowKind
from flows.selectors import step_stats
from tests.analytics.email_history import flow_with_steps, january_orders, seed_email_history, sent
from tests.analytics.history import POSTGRESQL_ONLY, paris

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY, pytest.mark.usefixtures("figure_engine")]


NOON = paris(2026, 3, 31, 12)


def cells_of_rows(page: str, link: str) -> list[str]:
    """The texts of the number cells of the table row that links to `link`."""
    row = page[page.rindex("<tr", 0, page.index(f'href="{link}"')) :]
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row[: row.index("</tr>")], re.S)
    return [" ".join(re.sub("<[^>]+>", " ", cell).split()) for cell in cells]


@pytest.fixture
def history(merchant):
    merchant.time_zone = "Europe/Paris"
    merchant.save(update_fields=["time_zone"])
    return seed_email_history(merchant)


def test_the_figures_of_the_last_30_days(merchant, history):
    with merchant_scope(merchant):
        j7 = step_stats(step=history["j7"], now=NOON)
        j30 = step_stats(step=history["j30"], now=NOON)
    assert (j7["days"].first, j7["days"].last) == (date(2026, 3, 2), date(2026, 3, 31))
    email = j7["email"]
    assert (email.sent, email.delivered, email.open_rate, email.click_rate, email.unsubscribe_rate) == (
        4,
        3,
        Decimal("1"),
        Decimal("0.6667"),
        Decimal("0.3333"),
    )
    assert (email.orders, email.revenue) == (1, {"EUR": Decimal("50.00")})
    assert (j30["email"].sent, j30["email"].delivered, j30["email"].click_rate) == (2, 2, Decimal("0.5"))
    assert (j30["email"].orders, j30["email"].revenue) == (1, {"EUR": Decimal("70.00")})


def test_the_same_numbers_as_the_analytics_email_kpis(merchant, history):
    period = chosen_range({}, date(2026, 3, 31)).period(merchant)  # the Analytics page's default days
    with merchant_scope(merchant):
        analytics = {row.step_id: row for row in email_kpis(merchant, period, NOON)}
        for step in history.values():
            assert step_stats(step=step, now=NOON)["email"] == analytics[step.pk]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_flow_page_shows_what_the_analytics_page_shows(staff_client, owner, merchant, history, language):
    owner.language = language
    owner.save(update_fields=["language"])
    flow_id = history["j7"].flow_id
    with time_machine.travel(NOON, tick=False):
        analytics = staff_client.get(reverse("analytics:index")).content.decode()
        flow_page = staff_client.get(reverse("flows:detail", kwargs={"pk": flow_id})).content.decode()
        step_page = staff_client.get(reverse("flows:step", kwargs={"pk": flow_id, "step_pk": history["j7"].pk}))
    for step in (history["j7"], history["j30"]):
        link = reverse("flows:step", kwargs={"pk": flow_id, "step_pk": step.pk})
        # Analytics: delivered, open, click, unsubscribe rates, orders, revenue; the flow page the same after
        # its emails waiting, skipped, failed and sent.
        assert cells_of_rows(flow_page, link)[-6:] == cells_of_rows(analytics, link)
    expected = {"en": ("66.67%", "€50.00"), "fr": ("66,67\u00a0%", "50,00\u00a0€")}[language]
    assert all(text in flow_page for text in expected)
    assert all(text in step_page.content.decode() for text in expected)


def test_clicks_on_another_flow_take_the_order(merchant, history):
    """Last click wins across flows: D's later click on another flow's email takes d1 from J+7, and d2
    (March 11, 6 days after D's J+7 click, so no step's until now) comes 3 days after this one."""
    (other,) = flow_with_steps(merchant, "Reviews", FlowKind.MARKETING, "Ask")
    about = january_orders(merchant, "d")  # d0 again: the same customer as D
    sent(merchant, other, about["d"], paris(2026, 3, 8, 9), clicked=paris(2026, 3, 8, 10))
    with merchant_scope(merchant):
        assert step_stats(step=history["j7"], now=NOON)["email"].orders == 0
        assert step_stats(step=other, now=NOON)["email"].revenue == {"EUR": Decimal("130.00")}


def test_another_shops_emails_never_count(merchant, other_merchant, history):
    (theirs,) = flow_with_steps(other_merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    about = january_orders(other_merchant, "a")
    sent(other_merchant, theirs, about["a"], paris(2026, 3, 2, 9), clicked=paris(2026, 3, 3, 10))
    with merchant_scope(other_merchant):
        assert step_stats(step=theirs, now=NOON)["email"].sent == 1
    with merchant_scope(merchant):
        assert step_stats(step=history["j7"], now=NOON)["email"].sent == 4


def test_the_flow_page_costs_the_same_whatever_its_number_of_steps(
    staff_client, merchant, history, figure_engine, django_assert_num_queries
):
    two_steps = reverse("flows:detail", kwargs={"pk": history["j7"].flow_id})
    one_step = reverse("flows:detail", kwargs={"pk": history["shipped"].flow_id})
    staff_client.get(two_steps)  # the session's first request loads what later ones find cached
    # The page (5), the steps' emails waiting/skipped/failed (1), the email figures (1 statement; for the
    # small-shop engine 4 reads, and a fifth for the steps when any sent or earned in those days: none
    # here, the history is March's), the holdout results (1 statement; 3 reads for the small-shop engine:
    # the decided messages, the orders and their refunds).
    figures = 1 + 1 if figure_engine == "postgresql" else 4 + 3
    for url in (two_steps, one_step):
        with django_assert_num_queries(6 + figures):
            assert staff_client.get(url).status_code == 200
