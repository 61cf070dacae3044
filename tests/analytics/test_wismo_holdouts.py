"""WISMO contacts per 100 orders, got a notification flow's emails against held out (docs/flows.md).

The hand-made history: a shipping notification triggered on 2025-01-06 09:00 UTC, as of 91 days later.
  Got the emails: 30 orders; 3 with a tracking-page contact, 1 with a helpdesk ticket counted as WISMO:
      4 contacts, 4 / 30 = 13.33 per 100 orders.
  Held out: 30 orders; 6 with one contact, 1 with two (a form and a ticket): 8 contacts, 26.67 per 100.
  Not counted: a contact opened before the trigger, one 31 days after it, a ticket not counted as WISMO,
  an order triggered 10 days before as_of (its 30 days have not passed), a test order's contacts.
Difference (got the emails − held out) = 13.33 − 26.67 = −13.33 per 100 orders. Welch on the contacts per
order: variances (4 − 30 × (4/30)²) / 29 = 0.119540 and (10 − 30 × (8/30)²) / 29 = 0.271264;
se² = 0.119540 / 30 + 0.271264 / 30 = 0.0130268, se = 0.114135; df = se⁴ / ((0.0039847² + 0.0090421²) / 29)
= 50.40; t(0.975, 50.40) = 2.00816; half-width 0.22920: −36.25 to 9.59 per 100 orders.
Reduction = 1 − 13.33 / 26.67 = 0.5.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from analytics.wismo_holdouts import WismoGroup, wismo_comparison, wismo_holdouts
from core.scoping import merchant_scope
from flows.models import FlowKind
from support.models import SupportContact
from tests.factories import CustomerFactory, OrderFactory
from tests.flows.test_holdouts import AS_OF, TRIGGER, decided_message, marketing_flow
from tracking.models import WismoContact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]  # each test on both engines
API_URL = "/api/v1/analytics/holdouts"


def notification_flow(merchant, percent=10):
    return marketing_flow(merchant, percent=percent, kind=FlowKind.TRANSACTIONAL, name="Your parcel is on its way")


def _order(merchant, step, *, held_out, trigger=TRIGGER, forms=(), tickets=(), test=False):
    """An order whose shipping email was due at `trigger`; contacts `forms` and `tickets` days after it."""
    order = OrderFactory(merchant=merchant, customer=CustomerFactory(merchant=merchant), test=test)
    decided_message(merchant, step, trigger, held_out=held_out, order=order)
    for days in forms:
        WismoContact.objects.create(
            merchant=merchant, order=order, reason="no_news", created_at=trigger + timedelta(days=days)
        )
    for days, is_wismo in tickets:
        SupportContact.objects.create(
            merchant=merchant,
            source="api",
            external_id=f"t{order.pk}-{days}",
            created_at=trigger + timedelta(days=days),
            is_wismo=is_wismo,
            order=order,
        )
    return order


def _history(merchant, step):
    with merchant_scope(merchant):
        for index in range(30):
            forms = [2] if index < 3 else []
            tickets = [(4, True)] if index == 3 else [(5, False)] if index == 4 else []  # one ticket not WISMO
            if index == 5:
                forms = [-1, 31]  # before the trigger, after its 30 days
            _order(merchant, step, held_out=False, forms=forms, tickets=tickets)
        for index in range(30):
            forms = [1] if index < 7 else []
            tickets = [(3, True)] if index == 6 else []
            _order(merchant, step, held_out=True, forms=forms, tickets=tickets)
        _order(merchant, step, held_out=True, trigger=AS_OF - timedelta(days=10), forms=[1])  # 30 days not passed
        _order(merchant, step, held_out=True, forms=[1, 2], test=True)


def test_wismo_per_100_orders_exposed_against_held_out(
    merchant,
    django_assert_num_queries,
    figure_engine,
):
    flow, step = notification_flow(merchant)
    _history(merchant, step)
    # One statement; three reads on SQLite's engine (the messages, the tracking-page contacts, the tickets).
    with django_assert_num_queries(1 if figure_engine == "postgresql" else 3):
        result = wismo_holdouts(merchant, [flow], AS_OF)[flow.pk]
    assert result == {
        "days": 30,
        "exposed": {"orders": 30, "contacts": 4, "per_100_orders": Decimal("13.33")},
        "held_out": {"orders": 30, "contacts": 8, "per_100_orders": Decimal("26.67")},
        "enough_data": True,
        "difference": {"difference": Decimal("-13.33"), "low": Decimal("-36.25"), "high": Decimal("9.59")},
        "reduction": Decimal("0.5000"),
    }


def test_not_enough_data_until_30_orders_each_and_10_contacts():
    enough = wismo_comparison(WismoGroup(30, 4, 0.12), WismoGroup(30, 6, 0.2))
    assert enough["enough_data"] is True
    few_orders = wismo_comparison(WismoGroup(30, 4, 0.12), WismoGroup(29, 6, 0.2))
    few_contacts = wismo_comparison(WismoGroup(300, 4, 0.01), WismoGroup(300, 5, 0.02))
    for result in (few_orders, few_contacts):
        assert (result["enough_data"], result["difference"], result["reduction"]) == (False, None, None)
    assert few_orders["held_out"] == {"orders": 29, "contacts": 6, "per_100_orders": Decimal("20.69")}
    nobody = wismo_comparison(WismoGroup(), WismoGroup())
    assert nobody["exposed"] == {"orders": 0, "contacts": 0, "per_100_orders": None}


def test_no_held_out_contact_gives_no_reduction():
    result = wismo_comparison(WismoGroup(40, 10, 0.2), WismoGroup(30, 0, 0.0))
    assert result["enough_data"] is True and result["reduction"] is None
    assert result["difference"]["difference"] == Decimal("25.00")


def test_marketing_flows_have_no_wismo_and_cost_no_query(merchant, django_assert_num_queries):
    flow, _step = marketing_flow(merchant, percent=10)
    with django_assert_num_queries(0):
        assert wismo_holdouts(merchant, [flow], AS_OF) == {flow.pk: None}


def test_the_api_gives_wismo_for_notification_flows(
    api,
    merchant,
    other_merchant,
    django_assert_num_queries,
    figure_engine,
):
    flow, step = notification_flow(merchant)
    marketing, _ = marketing_flow(merchant, percent=10)
    _history(merchant, step)
    _other_flow, other_step = notification_flow(other_merchant)
    _history(other_merchant, other_step)  # another shop's orders and contacts change nothing here
    # The key (2), the flows, the holdout results, the WISMO comparison: no query per flow. On SQLite's
    # engine the results and the comparison take three reads each.
    with django_assert_num_queries(5 if figure_engine == "postgresql" else 2 + 1 + 3 + 3):
        body = api.get(API_URL, {"as_of": AS_OF.isoformat()}).json()
    by_name = {entry["flow_name"]: entry for entry in body["flows"]}
    assert by_name["Thank you"]["wismo"] is None
    assert by_name["Your parcel is on its way"]["wismo"] == {
        "days": 30,
        "exposed": {"orders": 30, "contacts": 4, "per_100_orders": 13.33},
        "held_out": {"orders": 30, "contacts": 8, "per_100_orders": 26.67},
        "enough_data": True,
        "difference": {"difference": -13.33, "low": -36.25, "high": 9.59},
        "reduction": 0.5,
    }
    assert marketing.pk in {entry["flow_id"] for entry in body["flows"]}


def test_another_shops_notification_flow_is_a_404(other_api, merchant):
    flow, step = notification_flow(merchant)
    _history(merchant, step)
    assert other_api.get(API_URL, {"flow": flow.pk}).status_code == 404


PAGE = "/app/analytics/"


def test_the_analytics_page_says_it_in_words(staff_client, merchant, other_merchant, django_assert_num_queries):
    _flow, step = notification_flow(merchant)
    _history(merchant, step)
    marketing_flow(merchant, percent=10)
    _other_flow, other_step = notification_flow(other_merchant)
    _history(other_merchant, other_step)
    with time_machine.travel(AS_OF, tick=False):
        page = staff_client.get(PAGE).content.decode()
    section = page[page.index('id="holdouts"') :]
    section = section[: section.index("</section>")]
    assert "Your parcel is on its way" in section and "Thank you" in section
    # As of AS_OF: the same figures as above.
    assert (
        "Orders whose customers got the “Your parcel is on its way” emails had 13.33 fewer “where is my order?” "
        "contacts per 100 orders within 30 days (13.33 against 26.67 held out; 95 % interval -36.25 to 9.59). "
        "That is 50% fewer contacts. The interval includes zero: no effect is proven yet."
    ) in section.replace("&quot;", '"')
    assert section.count("“where is my order?” contacts") == 1  # none for the marketing flow


def test_the_page_in_french_and_without_enough_data(staff_client, owner, merchant):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    _flow, step = notification_flow(merchant)
    with merchant_scope(merchant):
        for _ in range(3):
            _order(merchant, step, held_out=True, forms=[1])
    page = staff_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Groupes témoins" in page
    assert "pas encore assez de données" in page and "3\u00a0demandes)" in page


def test_no_holdout_says_how_to_start_one(staff_client, merchant):
    page = staff_client.get(PAGE).content.decode()
    assert "No flow holds customers out." in page
