"""Dashboard → Feedback overview: weekly scores, the previous period, and CSAT by product type, carrier
and delivery promise, on a history small enough to work out by hand (docs/kpis.md, "Feedback").

The shop is in Paris (UTC+2 in June). The period is Wed 3 – Tue 16 June 2026 (weeks of Mon 1, 8
and 15 June); the previous period is Wed 20 May – Tue 2 June.

CSAT answers, their order's product types, parcels and delivery promise:

| answer | score | first submit (UTC)      | period   | types       | parcels                                   | promise |
|--------|-------|-------------------------|----------|-------------|-------------------------------------------|---------|
| A      | 5     | 3 June 07:00            | current  | candle, mug | colissimo on time; ups cancelled; dhl return | on time |
| B      | 2     | 4 June 12:00            | current  | candle      | colissimo, 1 June 22:30 UTC = 2 June in Paris, window to 1 June | late |
| C      | 4     | 10 June 12:00           | current  | mug         | ups, early (before its window)            | on time |
| D      | 3     | 2 June 23:30 (3 June in Paris) | current | none     | none                                      | none    |
| E      | 1     | 16 June 22:30 (17 June in Paris) | after | candle    | —                                         | —       |
| F      | 4     | 25 May 12:00            | previous | candle      | colissimo on time                         | on time |
| G      | 1     | 2 June 21:00 (23:00 in Paris) | previous | candle | colissimo late                            | late    |

NPS answers: 10 (3 June), 9 (9 June), 6 (10 June), 8 (16 June 12:00) in the period; 0 (21 May) before.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from core.scoping import merchant_scope
from feedback.charts import line_chart
from feedback.dashboard import csat_breakdown, weekly_scores
from feedback.models import Invitation, Kind
from feedback.overview import change_words
from feedback.services import Answer, response_submit
from tests.factories import CustomerFactory, LineItemFactory, OrderFactory
from tracking.models import Shipment

pytestmark = pytest.mark.django_db
START, END = date(2026, 6, 3), date(2026, 6, 16)
PERIOD = {"range": "custom", "from": "2026-06-03", "to": "2026-06-16"}


def utc(day, hour, minute=0):
    return datetime(2026, *day, hour, minute, tzinfo=UTC)


@dataclass
class Parcel:
    carrier: str
    window: tuple[date, date] | None = None
    delivered: datetime | None = None
    cancelled: bool = False
    returning: bool = False


def csat(merchant, score, at, *, types=(), parcels=()):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=at - timedelta(days=7))
        for product_type in types:
            LineItemFactory(order=order, product_type=product_type)
            LineItemFactory(order=order, product_type=f" {product_type}")  # the same type twice counts once
        for parcel in parcels:
            Shipment.all_directions.create(
                merchant=merchant,
                order=order,
                carrier=parcel.carrier,
                status="delivered" if parcel.delivered else "in_transit",
                estimated_delivery_from=parcel.window[0] if parcel.window else None,
                estimated_delivery_to=parcel.window[1] if parcel.window else None,
                delivered_at=parcel.delivered,
                cancelled_at=at if parcel.cancelled else None,
                direction="return" if parcel.returning else "outbound",
            )
        invitation = Invitation.objects.create(
            merchant=merchant, kind=Kind.CSAT, order=order, customer=order.customer, sent_at=at - timedelta(hours=1)
        )
    _answer(invitation, score, at)


def nps(merchant, score, at):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
        invitation = Invitation.objects.create(
            merchant=merchant, kind=Kind.NPS, customer=customer, anchor_key="nps:w1", sent_at=at - timedelta(hours=1)
        )
    _answer(invitation, score, at)


def _answer(invitation, score, at):
    with time_machine.travel(at, tick=False):
        response_submit(invitation=invitation, answer=Answer(score, "", "", "en"))


BOTH_ENGINES = pytest.mark.usefixtures("figure_engine")


def june(day):
    return date(2026, 6, day)


def history(merchant):
    on_time = Parcel("colissimo", (june(1), june(2)), utc((6, 2), 10))
    csat(
        merchant,
        5,
        utc((6, 3), 7),
        types=["candle", "mug"],
        parcels=[on_time, Parcel("ups", cancelled=True), Parcel("dhl", returning=True, delivered=utc((6, 9), 9))],
    )
    csat(
        merchant,
        2,
        utc((6, 4), 12),
        types=["candle"],
        parcels=[Parcel("colissimo", (june(1), june(1)), utc((6, 1), 22, 30))],
    )
    csat(merchant, 4, utc((6, 10), 12), types=["mug"], parcels=[Parcel("ups", (june(9), june(10)), utc((6, 8), 9))])
    csat(merchant, 3, utc((6, 2), 23, 30))
    csat(merchant, 1, utc((6, 16), 22, 30), types=["candle"])
    csat(
        merchant,
        4,
        utc((5, 25), 12),
        types=["candle"],
        parcels=[Parcel("colissimo", (date(2026, 5, 22), date(2026, 5, 25)), utc((5, 23), 9))],
    )
    csat(
        merchant,
        1,
        utc((6, 2), 21),
        types=["candle"],
        parcels=[Parcel("colissimo", (date(2026, 5, 26), date(2026, 5, 27)), utc((5, 29), 9))],
    )
    for score, at in ((10, utc((6, 3), 12)), (9, utc((6, 9), 12)), (6, utc((6, 10), 12)), (8, utc((6, 16), 12))):
        nps(merchant, score, at)
    nps(merchant, 0, utc((5, 21), 12))


def rows_of(groups):
    """(key, answers, share, mean, answers before, share before) per group."""
    return [
        (
            g.key,
            g.current.count,
            g.current.share,
            g.current.mean and str(g.current.mean),
            g.previous.count,
            g.previous.share,
        )
        for g in groups
    ]


def test_weeks_count_each_answer_in_the_shops_week_and_leave_empty_weeks_null(merchant):
    history(merchant)
    with merchant_scope(merchant):
        weeks = weekly_scores(merchant=merchant, start=START, end=END)
    assert [w.monday for w in weeks] == [june(1), june(8), june(15)]
    # Week of 1 June: A 5, B 2, D 3 (3 June in Paris) → 1 of 3 = 33 %; NPS 10 → +100.
    # Week of 8 June: C 4 → 100 %; NPS 9 and 6 → 0. Week of 15 June: no CSAT (E is 17 June in Paris); NPS 8 → 0.
    assert [(w.csat.count, w.csat.share) for w in weeks] == [(3, 33), (1, 100), (0, None)]
    assert [(w.nps.count, w.nps.score) for w in weeks] == [(1, 100), (2, 0), (1, 0)]
    assert weeks[2].csat.mean is None


@BOTH_ENGINES
def test_csat_by_product_type_counts_an_order_under_each_of_its_types_once(merchant):
    history(merchant)
    with merchant_scope(merchant):
        groups = csat_breakdown(merchant=merchant, start=START, end=END, by="product_type")
    assert rows_of(groups) == [
        ("candle", 2, 50, "3.50", 2, 50),  # A 5, B 2; before: F 4, G 1
        ("mug", 2, 100, "4.50", 0, None),  # A 5, C 4
        ("", 1, 0, "3.00", 0, None),  # D 3, an order without a type
    ]


@BOTH_ENGINES
def test_csat_by_carrier_leaves_out_cancelled_and_return_parcels(merchant):
    history(merchant)
    with merchant_scope(merchant):
        groups = csat_breakdown(merchant=merchant, start=START, end=END, by="carrier")
    assert rows_of(groups) == [
        ("colissimo", 2, 50, "3.50", 2, 50),  # A, B; before: F, G
        ("ups", 1, 100, "4.00", 0, None),  # C only: A's ups parcel was cancelled
        ("", 1, 0, "3.00", 0, None),  # D has no parcel; A's dhl parcel is a return
    ]


@BOTH_ENGINES
def test_csat_by_delivery_promise_reads_the_window_in_the_shops_time_zone(merchant):
    history(merchant)
    with merchant_scope(merchant):
        groups = csat_breakdown(merchant=merchant, start=START, end=END, by="promise")
    assert rows_of(groups) == [
        ("on_time", 2, 100, "4.50", 1, 100),  # A, C (early counts as on time); before: F
        ("late", 1, 0, "2.00", 1, 0),  # B: 2 June in Paris, after a window ending 1 June; before: G
        ("", 1, 0, "3.00", 0, None),  # D: no parcel, no window
    ]


@BOTH_ENGINES
def test_an_empty_period_has_no_group_and_null_weeks(merchant):
    with merchant_scope(merchant):
        assert csat_breakdown(merchant=merchant, start=START, end=END, by="carrier") == []
        weeks = weekly_scores(merchant=merchant, start=START, end=END)
    assert all(w.csat.share is None and w.nps.score is None for w in weeks)


@pytest.mark.parametrize(
    ("value", "previous", "kind", "words"),
    [
        (25, -100, "score", ("Up 125 points", 1)),
        (50, 51, "percent", ("Down 1 point", -1)),
        (50, 50, "percent", ("No change", 0)),
        (None, 50, "percent", ("None this period", 0)),
        (50, None, "percent", ("None the period before", 0)),
        (None, None, "score", ("Nothing to compare", 0)),
        (4, 2, "count", ("Up 2", 1)),
    ],
)
def test_the_change_is_said_in_words(value, previous, kind, words):
    assert change_words(value, previous, kind) == words


@BOTH_ENGINES
def test_the_overview_compares_every_figure_with_the_previous_period(merchant, staff_client):
    history(merchant)
    html = staff_client.get(reverse("feedback:index"), PERIOD).content.decode()
    # NPS: 2 promoters, 1 passive, 1 detractor of 4 = +25; before: one 0 = −100.
    assert '<th scope="row">NPS</th><td class="num" data-label="This period">+25</td>' in html
    assert "−100" in html and "Up 125 points" in html
    # CSAT: A, B, C, D: 2 of 4 = 50 %, mean 3.50; before F, G: 50 %, mean 2.50.
    assert 'CSAT: mean (1–5)</th><td class="num" data-label="This period">3.50</td>' in html
    assert "Up 1.00" in html and "No change" in html
    assert "Jun 3" in html and "compared with Wed, May 20" in html
    assert "Delivered late" in html and "Colissimo" in html and "No product type" in html


def test_the_overview_draws_accessible_charts_with_a_table_of_the_weeks(merchant, staff_client):
    history(merchant)
    html = staff_client.get(reverse("feedback:index"), PERIOD).content.decode()
    assert html.count('role="img"') == 2 and html.count("<desc id=") == 2
    assert "Week of Mon, Jun 1: CSAT 33% (3 answers)" in html
    assert html.count("<circle") == 2 + 3  # CSAT: no point for the week of 15 June; NPS: three
    assert "<summary>The weeks as a table</summary>" in html


@BOTH_ENGINES
def test_the_overview_reads_french(merchant, owner, staff_client):
    history(merchant)
    owner.language = "fr"
    owner.save(update_fields=["language"])
    html = staff_client.get(reverse("feedback:index"), PERIOD).content.decode()
    assert "En hausse de 125\u00a0points" in html and "Livrée en retard" in html


# The signed-in member's 4, the scores and the response rates of the period and of the one before (4),
# the weeks (1), the three breakdowns (3 in SQL; 6 on the small-shop engine: the answers, then their
# orders' groups) and the needs-attention counts (1).
OVERVIEW_QUERIES = {"postgresql": 11, "small_shop": 14}


def test_the_overview_runs_the_same_queries_whatever_the_history(
    merchant, staff_client, django_assert_num_queries, figure_engine
):
    with django_assert_num_queries(OVERVIEW_QUERIES[figure_engine]):
        staff_client.get(reverse("feedback:index"), PERIOD)
    history(merchant)
    for number in range(6):  # more types and carriers: more rows, no more queries
        csat(merchant, 5, utc((6, 5), 12), types=[f"type {number}"], parcels=[Parcel(f"carrier{number}")])
    with django_assert_num_queries(OVERVIEW_QUERIES[figure_engine]):
        page = staff_client.get(reverse("feedback:index"), PERIOD)
    assert "type 5" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"range": "week"}, "Unknown range: choose one of the presets."),
        (
            {"range": "custom", "from": "2026-06-16", "to": "2026-06-03"},
            "The first day of the range comes after its last day.",
        ),
        ({"from": "2026-02-30", "to": "2026-03-03"}, "Give both days of the custom range as dates."),
        ({"from": "yesterday"}, "Give both days of the custom range as dates."),
        ({"range": "custom", "from": "2016-01-01", "to": "2026-01-01"}, "The range may last at most 5 years."),
    ],
)
def test_a_bad_range_is_refused_on_the_page_with_a_message(merchant, staff_client, query, message):
    page = staff_client.get(reverse("feedback:index"), query)
    html = page.content.decode()
    assert page.status_code == 400 and message in html and 'role="alert"' in html
    assert "kpi-grid" not in html  # no figures for a period that was not understood


def test_the_presets_match_the_analytics_page(merchant, staff_client):
    with time_machine.travel(utc((6, 16), 10), tick=False):
        page = staff_client.get(reverse("feedback:index"), {"range": "90"})
    html = page.content.decode()
    assert page.status_code == 200 and 'value="2026-03-19"' in html and 'href="?range=90" aria-current="page"' in html


@BOTH_ENGINES
def test_another_shops_answers_are_never_counted(merchant, other_merchant, staff_client):
    history(other_merchant)
    csat(merchant, 4, utc((6, 5), 12), types=["candle"], parcels=[Parcel("colissimo")])
    with merchant_scope(merchant):
        weeks = weekly_scores(merchant=merchant, start=START, end=END)
        carriers = csat_breakdown(merchant=merchant, start=START, end=END, by="carrier")
    assert [w.csat.count for w in weeks] == [1, 0, 0] and [w.nps.count for w in weeks] == [0, 0, 0]
    assert rows_of(carriers) == [("colissimo", 1, 100, "4.00", 0, None)]
    html = staff_client.get(reverse("feedback:index"), PERIOD).content.decode()
    assert "No product type" not in html and "Mug" not in html and "mug" not in html


def test_on_sqlites_engine_the_page_shows_the_breakdowns(merchant, staff_client, monkeypatch):
    monkeypatch.setattr("core.engines.on_postgresql", lambda: False)
    history(merchant)
    page = staff_client.get(reverse("feedback:index"), PERIOD)
    html = page.content.decode()
    assert page.status_code == 200 and "PostgreSQL" not in html and "+25" in html
    assert "Delivered late" in html and "Colissimo" in html and "No product type" in html


def test_the_line_breaks_at_a_week_without_answers():
    chart = line_chart(
        [50, None, 20, 30], ["a", "b", "c", "d"], low=0, high=100, ticks={0: "0%", 100: "100%"}, axis=("1", "4")
    )
    # 540 wide right of the scale's 60: each week 135 wide, a point at its middle; 156 tall from y=12.
    assert [(p.x, p.y, p.title) for p in chart.points] == [
        ("127.5", "90.0", "a"),
        ("397.5", "136.8", "c"),
        ("532.5", "121.2", "d"),
    ]
    assert chart.lines == ["397.5,136.8 532.5,121.2"]  # the lone first week is a point, not a line
    assert [(t.y, t.label) for t in chart.ticks] == [("168.0", "0%"), ("12.0", "100%")]
