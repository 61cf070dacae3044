"""The returns figures of docs/kpis.md ("Returns"), worked out by hand on one small March.

The shop (Paris) ships three counted orders in March 2026 — A (2 shirts, 1 mug, EUR), B (1 shirt, EUR),
C (4 candles, GBP) — 3 orders, 8 units. A test order, a cancelled order, an order shipped in February
(F) and an exchange order (G, made for R9) are not among them.

Counted returns made in March (Paris time):

    R6  F  1 shirt  too_small  50 EUR  store credit (bonus 0)    Mar 1 00:30   offers not recorded
    R1  A  1 shirt  too_small  50 EUR  refund                    Mar 2         offered refund, shop now
    R2  A  1 shirt  too_big    50 EUR  shop now (bonus 5)        Mar 4         offered refund, shop now, credit
    R3  B  1 shirt  too_small  50 EUR  store credit (bonus 10)   Mar 6         offered refund, credit
    R4  C  2 candles damaged   20 GBP  refund                    Mar 11        offered refund, shop now
    R9  A  1 mug    damaged    20 EUR  exchange_variant          Mar 18        offered exchange_variant, refund

Not counted: R5 (rejected), R7 (a test order's), R8 (April 1 00:30 Paris, March 31 in UTC), RG (the
return of exchange order G, 20 EUR: it lowers R9's net revenue kept instead). R3's 60 EUR credit
expired unused on April 15.

    items returned 1+1+1+2+1+1 = 7 / 8 shipped = 0.8750; orders returned {A, B, C, F} 4 / 3 = 1.3333
    EUR: returned 220, kept R2+R3+R6+R9 = 170 → 0.7727, bonus 15; net 170 − 20 (RG) − min(60, 50) = 100 → 0.4545
    GBP: returned 20, kept 0 → 0.0000; exchange offered to R1, R2, R4, R9 and taken by R2, R9: 2 / 4 = 0.5000
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.ranges import Period
from core.scoping import merchant_scope
from returns.exports import COLUMNS, csv_lines
from returns.figures import return_figures
from returns.models import ReturnItem, ReturnRequest
from returns.selectors import return_items_for_export
from store_credit.models import Entry, Wallet
from tests.factories import LineItemFactory, OrderFactory
from tracking.models import Shipment

PARIS = ZoneInfo("Europe/Paris")
MARCH = Period(datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 4, 1, tzinfo=PARIS))
NOW = datetime(2026, 4, 20, 12, tzinfo=PARIS)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]


def paris(month, day, hour=12, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def order(merchant, lines, *, shipped=None, currency="EUR", **fields):
    made = OrderFactory(merchant=merchant, currency=currency, placed_at=paris(2, 1), **fields)
    for product_id, title, product_type, quantity, price in lines:
        LineItemFactory(
            merchant=merchant,
            order=made,
            product_id=product_id,
            title=title,
            product_type=product_type,
            quantity=quantity,
            unit_price=Decimal(price),
        )
    if shipped:
        with merchant_scope(merchant):
            Shipment.objects.create(merchant=merchant, order=made, tracking_number=f"T{made.pk}", shipped_at=shipped)
    return made


SHIRT = ("P1", "Linen shirt", "shirt")
MUG = ("P2", "Mug", "kitchen")
CANDLE = ("P3", "Candle", "home")


def give_back(merchant, of, title, quantity, reason, amount, resolution, created, **fields):
    """A return of `quantity` units of the line titled `title`, written as it stands after its moves."""
    with merchant_scope(merchant):
        line = of.line_items.get(title=title)
        made = ReturnRequest.objects.create(
            merchant=merchant,
            rma=f"R-{of.number}-{ReturnRequest.objects.filter(order=of).count() + 1}",
            order=of,
            customer=of.customer,
            method="ship_yourself",
            currency=of.currency,
            items_amount=Decimal(amount),
            fee=Decimal(0),
            refund_amount=Decimal(amount) if resolution == "refund" else Decimal(0),
            resolution=resolution,
            created_at=created,
            **{"status": "closed", **fields},
        )
        ReturnItem.objects.create(
            merchant=merchant, request=made, line_item=line, quantity=quantity, reason=reason, amount=Decimal(amount)
        )
    return made


def credit_expired(merchant, ret, *, issued, bonus, expired, expired_at):
    """The return's credit issued, then (some of) it expiring unused."""
    with merchant_scope(merchant):
        wallet = Wallet.objects.create(merchant=merchant, customer=ret.customer, currency=ret.currency, code=ret.rma)
        entry = Entry.objects.create(
            merchant=merchant,
            wallet=wallet,
            kind="issued",
            amount=Decimal(issued),
            balance_after=Decimal(issued),
            source="return",
            source_ref=ret.rma,
            key=f"return:{ret.rma}:credit",
        )
        ReturnRequest.objects.filter(pk=ret.pk).update(credit_entry=entry, bonus_amount=Decimal(bonus))
        gone = Entry.objects.create(
            merchant=merchant,
            wallet=wallet,
            kind="expired",
            amount=-Decimal(expired),
            balance_after=Decimal(issued) - Decimal(expired),
            source="expiry",
            key=f"expiry:{entry.pk}",
            expires_credit=entry,
        )
        Entry.objects.filter(pk=gone.pk).update(created_at=expired_at)


@pytest.fixture
def march(merchant):
    return march_history(merchant)


def march_history(merchant):
    """The history of the module's docstring."""
    a = order(merchant, [(*SHIRT, 2, "50"), (*MUG, 1, "20")], shipped=paris(3, 3))
    b = order(merchant, [(*SHIRT, 1, "50")], shipped=paris(3, 5))
    c = order(merchant, [(*CANDLE, 4, "10")], shipped=paris(3, 10), currency="GBP")
    test = order(merchant, [(*SHIRT, 5, "50")], shipped=paris(3, 6), test=True)
    order(merchant, [(*SHIRT, 2, "50")], shipped=paris(3, 6), cancelled_at=paris(3, 7))
    f = order(merchant, [(*SHIRT, 1, "50")], shipped=paris(2, 20))
    give_back(merchant, f, "Linen shirt", 1, "too_small", "50", "store_credit", paris(3, 1, 0, 30), status="requested")
    give_back(
        merchant,
        a,
        "Linen shirt",
        1,
        "too_small",
        "50",
        "refund",
        paris(3, 2),
        offered_resolutions=["refund", "shop_now"],
    )
    give_back(merchant, a, "Linen shirt", 1, "too_big", "50", "shop_now", paris(3, 4), bonus_amount=Decimal(5), credit_amount=Decimal(55),
              offered_resolutions=["refund", "shop_now", "store_credit"])  # fmt: skip
    r3 = give_back(
        merchant, b, "Linen shirt", 1, "too_small", "50", "store_credit", paris(3, 6),
        offered_resolutions=["refund", "store_credit"],
    )  # fmt: skip
    credit_expired(merchant, r3, issued="60", bonus="10", expired="60", expired_at=paris(4, 15))
    give_back(merchant, c, "Candle", 2, "damaged", "20", "refund", paris(3, 11), status="received",
              offered_resolutions=["refund", "shop_now"])  # fmt: skip
    give_back(merchant, c, "Candle", 1, "too_small", "10", "refund", paris(3, 12), status="rejected")
    give_back(merchant, test, "Linen shirt", 2, "too_big", "100", "refund", paris(3, 12))
    give_back(merchant, b, "Linen shirt", 1, "too_big", "50", "refund", paris(4, 1, 0, 30))
    r9 = give_back(merchant, a, "Mug", 1, "damaged", "20", "exchange_variant", paris(3, 18), status="approved",
                   offered_resolutions=["exchange_variant", "refund"])  # fmt: skip
    g = order(merchant, [(*MUG, 1, "20")], shipped=paris(3, 12), exchange_for_rma=r9.rma)
    give_back(merchant, g, "Mug", 1, "damaged", "20", "refund", paris(3, 25), status="requested")
    return merchant


def test_return_rates_by_reason_product_and_type(march):
    figures = return_figures(merchant=march, period=MARCH, now=NOW)
    assert (figures.orders_shipped, figures.items_shipped) == (3, 8)
    assert (figures.orders_returned, figures.items_returned) == (4, 7)
    assert figures.item_return_rate == Decimal("0.8750")
    assert figures.order_return_rate == Decimal("1.3333")
    assert figures.by_reason == [
        {"reason": "damaged", "items": 3, "share": Decimal("0.4286"), "rate": Decimal("0.3750")},
        {"reason": "too_small", "items": 3, "share": Decimal("0.4286"), "rate": Decimal("0.3750")},
        {"reason": "too_big", "items": 1, "share": Decimal("0.1429"), "rate": Decimal("0.1250")},
    ]
    assert figures.by_product == [
        {
            "product_id": "P1",
            "title": "Linen shirt",
            "items_shipped": 3,
            "items_returned": 4,
            "rate": Decimal("1.3333"),
        },
        {"product_id": "P3", "title": "Candle", "items_shipped": 4, "items_returned": 2, "rate": Decimal("0.5000")},
        {"product_id": "P2", "title": "Mug", "items_shipped": 1, "items_returned": 1, "rate": Decimal("1.0000")},
    ]
    assert figures.by_product_type == [
        {"product_type": "shirt", "items_shipped": 3, "items_returned": 4, "rate": Decimal("1.3333")},
        {"product_type": "home", "items_shipped": 4, "items_returned": 2, "rate": Decimal("0.5000")},
        {"product_type": "kitchen", "items_shipped": 1, "items_returned": 1, "rate": Decimal("1.0000")},
    ]


def test_revenue_kept_and_net_revenue_kept_per_currency(march):
    money = return_figures(merchant=march, period=MARCH, now=NOW).money
    assert list(money) == ["EUR", "GBP"]
    eur, gbp = money["EUR"], money["GBP"]
    assert (eur.value_returned, eur.value_kept, eur.bonus_given) == (
        Decimal("220.00"),
        Decimal("170.00"),
        Decimal("15.00"),
    )
    assert eur.revenue_kept == Decimal("0.7727")
    assert (eur.exchanges_returned, eur.credit_expired) == (Decimal("20.00"), Decimal("50.00"))
    assert (eur.net_value_kept, eur.net_revenue_kept) == (Decimal("100.00"), Decimal("0.4545"))
    assert (gbp.value_returned, gbp.value_kept, gbp.revenue_kept) == (Decimal("20.00"), Decimal("0.00"), Decimal("0"))
    assert gbp.net_revenue_kept == Decimal("0")


def test_credit_expiring_after_now_is_not_yet_counted(march):
    before_expiry = return_figures(merchant=march, period=MARCH, now=paris(4, 10)).money["EUR"]
    assert before_expiry.credit_expired == Decimal("0.00")
    assert before_expiry.net_value_kept == Decimal("150.00")


def test_resolution_shares_per_week_and_exchange_conversion(march):
    figures = return_figures(merchant=march, period=MARCH, now=NOW)
    assert figures.resolutions == {"refund": 2, "shop_now": 1, "store_credit": 2, "exchange_variant": 1}
    assert figures.resolution_share("store_credit") == Decimal("0.3333")
    weeks = {week.week.isoformat(): week.counts for week in figures.weeks}
    assert weeks == {
        "2026-02-23": {"store_credit": 1},  # R6, March 1 at 00:30 in Paris: still February 28 in UTC
        "2026-03-02": {"refund": 1, "shop_now": 1, "store_credit": 1},
        "2026-03-09": {"refund": 1},
        "2026-03-16": {"exchange_variant": 1},
        "2026-03-23": {},
        "2026-03-30": {},
    }
    assert figures.weeks[1].share("refund") == Decimal("0.3333")
    assert (figures.exchange_offered, figures.exchange_taken, figures.exchange_conversion) == (4, 2, Decimal("0.5000"))


def test_an_empty_shop_has_nulls_not_errors(merchant):
    figures = return_figures(merchant=merchant, period=MARCH, now=NOW)
    assert (figures.items_returned, figures.item_return_rate, figures.order_return_rate) == (0, None, None)
    assert (figures.money, figures.by_reason, figures.by_product, figures.by_product_type) == ({}, [], [], [])
    assert figures.exchange_conversion is None
    assert figures.resolution_share("refund") is None
    assert [week.share("refund") for week in figures.weeks] == [None] * 6


def test_another_shops_history_counts_nowhere(march, other_merchant):
    assert return_figures(merchant=other_merchant, period=MARCH, now=NOW).returns == 0
    give_back(other_merchant, order(other_merchant, [(*SHIRT, 1, "50")], shipped=paris(3, 3)), "Linen shirt", 1,
              "too_big", "50", "store_credit", paris(3, 4))  # fmt: skip
    assert return_figures(merchant=march, period=MARCH, now=NOW).returns == 6


def test_five_queries_whatever_the_history(march):
    with CaptureQueriesContext(connection) as queries:
        return_figures(merchant=march, period=MARCH, now=NOW)
    assert len(queries) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs both engines")
def test_both_engines_give_the_same_figures(march, monkeypatch):
    monkeypatch.setattr("core.engines.on_postgresql", lambda: True)
    in_sql = return_figures(merchant=march, period=MARCH, now=NOW)
    monkeypatch.setattr("core.engines.on_postgresql", lambda: False)
    assert return_figures(merchant=march, period=MARCH, now=NOW) == in_sql


def test_the_export_gives_resolution_credit_and_bonus(march):
    with merchant_scope(march):
        lines = list(
            csv_lines(return_items_for_export(merchant=march, start=MARCH.start.date(), end=paris(3, 31).date()))
        )
    header = lines[0].strip().split(",")
    assert header[-4:] == ["resolution", "credit_amount", "bonus_amount", "currency"]
    assert header == list(COLUMNS)
    shop_now = next(line for line in lines if ",shop_now," in line)
    assert ",shop_now,55.00,5.00,EUR" in shop_now
