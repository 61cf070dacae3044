"""Holdout groups: who is held out, that they get nothing, and what the comparison says (docs/flows.md)."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from core.scoping import merchant_scope
from flows import holdouts
from flows.dispatcher import dispatch_due
from flows.holdout_words import holdout_sentences
from flows.holdouts import holdout_bucket, holdout_results, is_held_out, t_quantile_975
from flows.models import Flow, FlowKind, FlowStep, Message, MessageStatus, ScheduledMessage, StepTemplate, Trigger
from flows.selectors import step_stats
from flows.services import default_flows_install, flow_update
from orders.models import Refund
from tests.factories import CustomerFactory, OrderFactory

from .helpers import record

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def marketing_flow(merchant, *, percent, kind=FlowKind.MARKETING, name="Thank you"):
    with merchant_scope(merchant):
        flow = Flow.objects.create(
            merchant=merchant, name=name, kind=kind, trigger=Trigger.ORDER_PLACED, holdout_percent=percent
        )
        step = FlowStep.objects.create(merchant=merchant, flow=flow, key="thanks", name="Thanks")
        for language in ("en", "fr"):
            StepTemplate.objects.create(
                merchant=merchant, step=step, language=language, subject="Merci", html_body="<p>Merci</p>"
            )
    return flow, step


# --- Who is held out ----------------------------------------------------------------------------------
def test_a_customer_stays_in_the_same_group():
    flow = Flow(holdout_percent=10, holdout_salt="a1b2c3")
    first = [is_held_out(flow, customer_id) for customer_id in range(1, 2001)]
    assert first == [is_held_out(flow, customer_id) for customer_id in range(1, 2001)]
    # The bucket is sha256 of "salt:id": fixed across processes and releases, not Python's hash().
    assert holdout_bucket("a1b2c3", 42) == int.from_bytes(__import__("hashlib").sha256(b"a1b2c3:42").digest()[:8]) % (
        10_000
    )


def test_raising_the_percentage_only_adds_customers_to_the_holdout():
    small, large = Flow(holdout_percent=5, holdout_salt="s"), Flow(holdout_percent=20, holdout_salt="s")
    assert all(is_held_out(large, c) for c in range(1, 5001) if is_held_out(small, c))


def test_the_split_is_close_to_the_percentage_and_differs_between_flows():
    customers = range(1, 20_001)
    flow_a, flow_b = Flow(holdout_percent=10, holdout_salt="flow-a"), Flow(holdout_percent=10, holdout_salt="flow-b")
    held_a = {c for c in customers if is_held_out(flow_a, c)}
    held_b = {c for c in customers if is_held_out(flow_b, c)}
    # 10 % of 20,000 is 2,000 with a standard deviation of about 42: within 5 of them.
    assert 1790 <= len(held_a) <= 2210 and 1790 <= len(held_b) <= 2210
    assert len(held_a & held_b) < 300  # about 1 % of customers (10 % of 10 %) when independent


def test_no_holdout_at_zero_percent_and_without_a_customer():
    assert not any(is_held_out(Flow(holdout_percent=0, holdout_salt="x"), c) for c in range(1, 5001))
    assert not is_held_out(Flow(holdout_percent=50, holdout_salt="x"), None)


@pytest.mark.django_db
def test_new_flows_hold_out_ten_percent_of_marketing_and_no_notification(merchant):
    with override_settings(FLOWS_MARKETING_HOLDOUT_PERCENT=10):
        default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        percents = dict(Flow.objects.values_list("key", "holdout_percent"))
        kinds = dict(Flow.objects.values_list("key", "kind"))
        salts = list(Flow.objects.values_list("holdout_salt", flat=True))
    assert {percents[key] for key, kind in kinds.items() if kind == FlowKind.MARKETING} == {10}
    assert {percents[key] for key, kind in kinds.items() if kind == FlowKind.TRANSACTIONAL} == {0}
    assert len(set(salts)) == len(salts) and all(len(s) == 16 for s in salts)


@pytest.mark.django_db
def test_the_holdout_percentage_is_checked_when_saved(merchant):
    flow, _step = marketing_flow(merchant, percent=10)
    with merchant_scope(merchant), pytest.raises(Exception, match="between 0 and 50"):
        flow_update(flow=flow, name="Thank you", active=True, anchor="trigger", holdout_percent=51)
    flow.refresh_from_db()
    assert flow.holdout_percent == 10


# --- Held-out messages are skipped, never sent ----------------------------------------------------------
@pytest.mark.django_db
def test_held_out_customers_get_nothing_and_are_not_counted_as_sent(merchant):
    flow, step = marketing_flow(merchant, percent=50)
    with at(NOW), merchant_scope(merchant):
        orders = [OrderFactory(merchant=merchant, placed_at=NOW) for _ in range(40)]
        for order in orders:
            record(merchant, "order.created", order)
    with at(NOW + timedelta(seconds=5)):
        dispatch_due()
    expected_held = {o.customer.email for o in orders if is_held_out(flow, o.customer_id)}
    assert 5 <= len(expected_held) <= 35  # both groups present
    with merchant_scope(merchant):
        rows = ScheduledMessage.objects.filter(step=step).select_related("order__customer")
        held = {r.order.customer.email for r in rows if r.skip_reason == holdouts.HOLDOUT}
        assert all(r.status == MessageStatus.SKIPPED for r in rows if r.skip_reason == holdouts.HOLDOUT)
        assert not Message.objects.filter(step=step, recipient__in=expected_held).exists()
        stats = step_stats(step=step, now=NOW + timedelta(minutes=1))
    assert held == expected_held
    thanked = {m.to[0] for m in mail.outbox if m.subject == "Merci"}
    assert thanked == {o.customer.email for o in orders} - expected_held
    assert stats["email"].sent == 40 - len(expected_held)
    assert dict((code, n) for code, _label, n in stats["skipped_by_reason"]) == {"holdout": len(expected_held)}


@pytest.mark.django_db
def test_a_transactional_flow_at_zero_never_holds_out(merchant):
    flow, step = marketing_flow(merchant, percent=0, kind=FlowKind.TRANSACTIONAL)
    with at(NOW), merchant_scope(merchant):
        for _ in range(30):
            record(merchant, "order.created", OrderFactory(merchant=merchant, placed_at=NOW))
    with at(NOW + timedelta(seconds=5)):
        dispatch_due()
    with merchant_scope(merchant):
        assert set(ScheduledMessage.objects.filter(step=step).values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_a_message_that_would_be_skipped_anyway_is_not_counted_as_held_out(merchant):
    """The holdout is the last check: a paused flow's message says "flow_inactive", not "holdout"."""
    flow, step = marketing_flow(merchant, percent=50)
    with at(NOW), merchant_scope(merchant):
        orders = [OrderFactory(merchant=merchant, placed_at=NOW) for _ in range(20)]
        for order in orders:
            record(merchant, "order.created", order)
        Flow.objects.filter(pk=flow.pk).update(active=False)
    with at(NOW + timedelta(seconds=5)):
        dispatch_due()
    with merchant_scope(merchant):
        assert set(ScheduledMessage.objects.filter(step=step).values_list("skip_reason", flat=True)) == {
            "flow_inactive"
        }


# --- Results on a hand-made history ----------------------------------------------------------------------
TRIGGER = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
AS_OF = TRIGGER + timedelta(days=91)


def scheduled_message(merchant, step, due_at, status, skip_reason="", **anchor):
    """A message of `step` due at `due_at`, in that state, about `anchor` (an order, or a customer and a key)."""
    ScheduledMessage.objects.create(
        merchant=merchant,
        step=step,
        anchor_at=due_at,
        first_due_at=due_at,
        due_at=due_at,
        status=status,
        skip_reason=skip_reason,
        **anchor,
    )


def decided_message(merchant, step, due_at, *, held_out, **anchor):
    """A message sent, or held out."""
    status, reason = (MessageStatus.SKIPPED, holdouts.HOLDOUT) if held_out else (MessageStatus.SENT, "")
    scheduled_message(merchant, step, due_at, status, reason, **anchor)


def _customer(merchant, step, *, held_out, trigger=TRIGGER, reorders=()):
    """A customer whose first order started the flow at `trigger`, then `reorders`: (days after, total)."""
    customer = CustomerFactory(merchant=merchant)
    first = OrderFactory(merchant=merchant, customer=customer, placed_at=trigger - timedelta(days=3))
    decided_message(merchant, step, trigger, held_out=held_out, order=first)
    return customer, [
        OrderFactory(merchant=merchant, customer=customer, placed_at=trigger + timedelta(days=d), total=Decimal(total))
        for d, total in reorders
    ]


def _history(merchant, step):
    """Got the emails: 40 customers, 10 reordered 100.00 within 10 days (one refunded 40.00 of it before as_of, one 50.00 after), plus
    one whose 30 days have not passed yet. Held out: 30 customers, 3 reordered 100.00 at day 10 and 2
    more at day 60. Orders that do not count: test, cancelled, exchange, and one after 90 days."""
    with merchant_scope(merchant):
        exposed = [_customer(merchant, step, held_out=False, reorders=[(10, "100.00")]) for _ in range(10)]
        refunded_order = exposed[0][1][0]
        Refund.objects.create(
            merchant=merchant,
            order=refunded_order,
            external_id="r1",
            amount=Decimal("40.00"),
            currency="EUR",
            refunded_at=TRIGGER + timedelta(days=12),
        )
        # After as_of: not known yet on that day, so not subtracted.
        Refund.objects.create(
            merchant=merchant,
            order=exposed[1][1][0],
            external_id="r2",
            amount=Decimal("50.00"),
            currency="EUR",
            refunded_at=AS_OF + timedelta(days=1),
        )
        for index in range(30):
            customer, _ = _customer(merchant, step, held_out=False)
            if index == 0:
                OrderFactory(merchant=merchant, customer=customer, placed_at=TRIGGER + timedelta(days=5), test=True)
            if index == 1:
                OrderFactory(
                    merchant=merchant, customer=customer, placed_at=TRIGGER + timedelta(days=5), cancelled_at=TRIGGER
                )
            if index == 2:
                OrderFactory(
                    merchant=merchant, customer=customer, placed_at=TRIGGER + timedelta(days=5), exchange_for_rma="R-1"
                )
            if index == 3:
                OrderFactory(merchant=merchant, customer=customer, placed_at=TRIGGER + timedelta(days=90, hours=1))
        _customer(merchant, step, held_out=False, trigger=AS_OF - timedelta(days=10), reorders=[(1, "100.00")])
        for _ in range(3):
            _customer(merchant, step, held_out=True, reorders=[(10, "100.00")])
        for _ in range(2):
            _customer(merchant, step, held_out=True, reorders=[(60, "100.00")])
        for _ in range(25):
            _customer(merchant, step, held_out=True)


def _newcombe(x1, n1, x2, n2):
    """Newcombe's method 10 written out: Wilson bounds of each rate, then the difference's bounds."""
    z = 1.959963984540054

    def wilson(x, n):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return centre - half, centre + half

    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    low, high = p1 - p2 - math.hypot(p1 - l1, u2 - p2), p1 - p2 + math.hypot(u1 - p1, p2 - l2)
    return {"difference": round(p1 - p2, 4), "low": round(low, 4), "high": round(high, 4)}


@pytest.mark.django_db
@pytest.mark.usefixtures("figure_engine")
def test_results_on_a_hand_made_history(merchant):
    flow, step = marketing_flow(merchant, percent=10)
    _history(merchant, step)
    with merchant_scope(merchant):
        results = holdout_results(merchant, flow, AS_OF)
    assert results["exposed_customers"] == 41 and results["held_out_customers"] == 30
    r30, r90 = results["repurchase_30"], results["repurchase_90"]
    assert (r30["exposed"]["customers"], r30["exposed"]["repurchased"], r30["exposed"]["rate"]) == (40, 10, 0.25)
    assert (r30["held_out"]["customers"], r30["held_out"]["repurchased"], r30["held_out"]["rate"]) == (30, 3, 0.1)
    assert (r90["held_out"]["repurchased"], r90["held_out"]["rate"]) == (5, 0.1667)
    # 30 days: 10/40 − 3/30 = 0.15. Wilson, z = 1.96: 10/40 → [0.1419, 0.4019], 3/30 → [0.0346, 0.2562];
    # low = 0.15 − √((0.25 − 0.1419)² + (0.2562 − 0.1)²) = 0.15 − 0.18998 = −0.03998,
    # high = 0.15 + √((0.4019 − 0.25)² + (0.1 − 0.0346)²) = 0.15 + 0.16542 = 0.31542.
    assert r30["difference"] == {"difference": 0.15, "low": -0.04, "high": 0.3154}
    assert r30["difference"] == _newcombe(10, 40, 3, 30)
    assert r90["difference"] == _newcombe(10, 40, 5, 30)
    # Net revenue per customer over 90 days: got the emails 9 × 100 + 60 (refund) = 960 / 40 = 24.00;
    # held out 5 × 100 / 30 = 16.67. Variances: (9 × 100² + 60² − 40 × 24²) / 39 = 70560 / 39 = 1809.23 and
    # (5 × 100² − 30 × 16.667²) / 29 = 1436.78. Welch: se² = 1809.23/40 + 1436.78/30 = 45.231 + 47.893 = 93.124,
    # df = 93.124² / (45.231²/39 + 47.893²/29) = 65.92, t(0.975, 65.92) = 1.99661, √93.124 = 9.6501:
    # 7.3333 ± 1.99661 × 9.6501 = 7.3333 ± 19.2674 → −11.934 to 26.601.
    revenue = results["revenue_90"]
    assert revenue["exposed"]["per_customer"] == Decimal("24.00")
    assert revenue["held_out"]["per_customer"] == Decimal("16.67")
    assert revenue["difference"] == {
        "difference": Decimal("7.33"),
        "low": Decimal("-11.93"),
        "high": Decimal("26.60"),
    }
    assert results["enough_data"] is True


def test_the_t_quantile_matches_the_tables():
    for df, table in ((10, 2.2281), (30, 2.0423), (60, 2.0003), (120, 1.9799), (1e9, 1.9600)):
        assert abs(t_quantile_975(df) - table) < 0.001


@pytest.mark.django_db
@pytest.mark.usefixtures("figure_engine")
def test_not_enough_data_until_each_group_has_30_customers_past_the_window(merchant):
    flow, step = marketing_flow(merchant, percent=10)
    with merchant_scope(merchant):
        for _ in range(40):
            _customer(merchant, step, held_out=False, reorders=[(5, "20.00")])
        for _ in range(29):
            _customer(merchant, step, held_out=True)
        results = holdout_results(merchant, flow, AS_OF)
        early = holdout_results(merchant, flow, TRIGGER + timedelta(days=31))
    assert results["enough_data"] is False and results["repurchase_30"]["difference"] is None
    assert results["revenue_90"]["difference"] is None
    assert early["repurchase_30"]["exposed"]["customers"] == 40
    assert early["repurchase_90"]["exposed"]["customers"] == 0  # the 90 days have not passed


@pytest.mark.django_db
@pytest.mark.usefixtures("figure_engine")
def test_a_flow_without_history_has_empty_results(merchant):
    flow, _step = marketing_flow(merchant, percent=10)
    with merchant_scope(merchant):
        results = holdout_results(merchant, flow, NOW)
    assert results["exposed_customers"] == 0 and results["repurchase_30"]["exposed"]["rate"] is None
    assert results["revenue_90"]["exposed"]["per_customer"] is None


@pytest.mark.django_db
def test_the_group_sizes_read_right_for_none_or_one(merchant):
    flow, _step = marketing_flow(merchant, percent=10)
    with merchant_scope(merchant):
        results = holdout_results(merchant, flow, NOW)
    one = results | {"exposed_customers": 1, "held_out_customers": 1}
    with translation.override("en"):
        assert holdout_sentences(one, flow=flow)[0].startswith("1 customer got the emails; 1 was held out (")
    with translation.override("fr"):
        assert holdout_sentences(results, flow=flow)[0].startswith(
            "0 client a reçu les e-mails\xa0; 0 est dans le groupe témoin ("
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("figure_engine")
def test_each_customer_counts_once_by_their_first_decided_message(merchant):
    """X: skipped as paused (not decided) the day before, held out at the trigger, then sent a day later for
    a second order placed 12 hours after the trigger: held out from TRIGGER, reordered (50.00).
    Y: an email about the customer, not an order, sent at the trigger; ordered 30.00 40 days later.
    Z: two emails due at the same moment, the first written sent: exposed, no reorder.
    Not counted: an order without a customer, an email due after as_of.
    Exposed: Y and Z, repurchase 0 of 2 within 30 days, 1 of 2 within 90, 15.00 each; held out: X, 1 of 1,
    50.00."""
    flow, first = marketing_flow(merchant, percent=10)
    sent, skipped = MessageStatus.SENT, MessageStatus.SKIPPED
    with merchant_scope(merchant):
        second = FlowStep.objects.create(merchant=merchant, flow=flow, key="later", name="Later", position=1)
        x, y, z = (CustomerFactory(merchant=merchant) for _ in range(3))
        x_first = OrderFactory(merchant=merchant, customer=x, placed_at=TRIGGER - timedelta(days=3))
        x_again = OrderFactory(
            merchant=merchant, customer=x, placed_at=TRIGGER + timedelta(hours=12), total=Decimal("50.00")
        )
        scheduled_message(
            merchant, first, TRIGGER - timedelta(days=1), skipped, order=x_first, skip_reason="flow_inactive"
        )
        scheduled_message(merchant, second, TRIGGER, skipped, order=x_first, skip_reason=holdouts.HOLDOUT)
        scheduled_message(merchant, first, TRIGGER + timedelta(days=1), sent, order=x_again)
        scheduled_message(merchant, first, TRIGGER, sent, customer=y, anchor_key="review:1")
        OrderFactory(merchant=merchant, customer=y, placed_at=TRIGGER + timedelta(days=40), total=Decimal("30.00"))
        z_order = OrderFactory(merchant=merchant, customer=z, placed_at=TRIGGER - timedelta(days=1))
        scheduled_message(merchant, first, TRIGGER, sent, order=z_order)
        scheduled_message(merchant, second, TRIGGER, skipped, order=z_order, skip_reason=holdouts.HOLDOUT)
        scheduled_message(merchant, first, TRIGGER, sent, order=OrderFactory(merchant=merchant, customer=None))
        late = OrderFactory(merchant=merchant, placed_at=TRIGGER)
        scheduled_message(
            merchant, first, AS_OF + timedelta(hours=1), skipped, order=late, skip_reason=holdouts.HOLDOUT
        )
        results = holdout_results(merchant, flow, AS_OF)
    assert (results["exposed_customers"], results["held_out_customers"]) == (2, 1)
    r30, r90, revenue = results["repurchase_30"], results["repurchase_90"], results["revenue_90"]
    assert (r30["exposed"]["repurchased"], r30["held_out"]["repurchased"]) == (0, 1)
    assert (r90["exposed"]["repurchased"], r90["held_out"]["repurchased"]) == (1, 1)
    assert (revenue["exposed"]["per_customer"], revenue["held_out"]["per_customer"]) == (
        Decimal("15.00"),
        Decimal("50.00"),
    )


# The page (5), its steps' figures (2: emails waiting/skipped/failed, and the email figures of the last 30
# days, whatever the number of steps; they were 4 per step before) and the holdout results (1). On SQLite's
# engine the email figures take 4 reads and the results 3 (messages, orders, refunds).
PAGE_QUERIES = {"postgresql": 5 + 2 + 1, "small_shop": 5 + 1 + 4 + 3}


# --- The flow's page ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_flow_page_says_the_results_in_words(
    staff_client, owner, merchant, django_assert_num_queries, figure_engine
):
    flow, step = marketing_flow(merchant, percent=10)
    _history(merchant, step)
    url = reverse("flows:detail", kwargs={"pk": flow.pk})
    with at(AS_OF):
        owner.language = "en"
        owner.save(update_fields=["language"])
        staff_client.get(url)  # the session's first request loads what later ones find cached
        with django_assert_num_queries(PAGE_QUERIES[figure_engine]):
            english = staff_client.get(url).content.decode()
        owner.language = "fr"
        owner.save(update_fields=["language"])
        french = staff_client.get(url).content.decode()
    assert "41 customers got the emails; 30 were held out (holdout: 10 % of customers)." in english
    assert (
        "Customers who got the “Thank you” emails reordered within 30 days 15.0 points more often "
        "(95 % interval -4.0 to 31.5)." in english
    )
    assert "brought €7.33 more net revenue each (95 % interval -€11.93 to €26.60)" in english
    assert "15,0 points plus souvent (intervalle à 95\u00a0%\u00a0: -4,0 à 31,5)" in french


@pytest.mark.django_db
def test_the_holdout_is_edited_on_the_flow_page(staff_client, merchant):
    flow, _step = marketing_flow(merchant, percent=10)
    url = reverse("flows:detail", kwargs={"pk": flow.pk})
    form = {"name": "Thank you", "active": "on", "anchor": "trigger"}
    refused = staff_client.post(url, {**form, "holdout_percent": "60"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "less than or equal to 50" in refused.content.decode()
    flow.refresh_from_db()
    assert flow.holdout_percent == 10
    staff_client.post(url, {**form, "holdout_percent": "25"})
    flow.refresh_from_db()
    assert flow.holdout_percent == 25
    staff_client.post(url, form)  # a form without the field keeps it
    flow.refresh_from_db()
    assert flow.holdout_percent == 25


# --- GET /api/v1/analytics/holdouts ------------------------------------------------------------------------
API_URL = "/api/v1/analytics/holdouts"


@pytest.mark.django_db
def test_the_api_lists_flows_with_a_holdout(api, merchant, django_assert_num_queries, figure_engine):
    flow, step = marketing_flow(merchant, percent=10)
    marketing_flow(merchant, percent=0, kind=FlowKind.TRANSACTIONAL, name="Receipt")
    other, _ = marketing_flow(merchant, percent=5, name="Other")
    _history(merchant, step)
    # The key, the flows, the results of every flow in one statement (three reads on SQLite's engine): no
    # query per flow.
    with django_assert_num_queries(4 if figure_engine == "postgresql" else 6):
        response = api.get(API_URL, {"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert [f["flow_name"] for f in body["flows"]] == ["Other", "Thank you"]
    result = body["flows"][1]
    assert result["flow_id"] == flow.pk and result["holdout_percent"] == 10 and result["enough_data"] is True
    assert (result["exposed_customers"], result["held_out_customers"]) == (41, 30)
    assert result["repurchase_30"]["difference"] == {"difference": 0.15, "low": -0.04, "high": 0.3154}
    assert result["revenue_90"]["exposed"]["per_customer"] == "24.00"
    assert result["revenue_90"]["difference"] == {"difference": "7.33", "low": "-11.93", "high": "26.60"}
    assert body["flows"][0]["enough_data"] is False and body["flows"][0]["repurchase_30"]["difference"] is None
    only = api.get(API_URL, {"flow": other.pk, "as_of": "2025-04-07"}).json()
    assert [f["flow_id"] for f in only["flows"]] == [other.pk]
    assert only["as_of"] == "2025-04-06T22:00:00Z"  # midnight in Paris


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2025-02-30"}, "as_of"),
        ({"as_of": "2025-03-01T10:00:00"}, "as_of"),
        ({"as_of": "2025-03-01T10:00:00+16:00"}, "as_of"),
        ({"flow": "abc"}, "flow"),
        ({"from": "2025-01-01"}, "from"),
    ],
)
def test_the_api_refuses_bad_input(api, merchant, params, field):
    marketing_flow(merchant, percent=10)
    response = api.get(API_URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.django_db
@pytest.mark.usefixtures("figure_engine")
def test_the_api_shows_no_other_shops_flow(api, other_api, merchant):
    flow, step = marketing_flow(merchant, percent=10)
    _history(merchant, step)
    assert other_api.get(API_URL, {"flow": flow.pk}).status_code == 404
    assert other_api.get(API_URL).json()["flows"] == []
    assert api.get(API_URL, {"flow": 999999}).status_code == 404
