"""A small hand-made order history whose KPIs are worked out by hand in the tests (shop in Europe/Paris).

Every buyer is a guest: each gets the one customer of its email (the guest rule).
  A: 2026-01-10 100 EUR; 2026-03-05 50 EUR, refunded 20 on 2026-05-01.
  B: 2026-03-10 80 EUR, refunded 10 on 2026-08-01; 2026-03-25 40 EUR.
  C: 2026-03-20 30 USD; 2026-05-15 60 USD.
  D: 2026-03-15 200 EUR cancelled; 2026-03-16 300 EUR test order (D is no customer).
  E: 2026-03-31 23:30 Paris 10 EUR (still March there); 2026-04-01 00:30 Paris 20 EUR.
  F: 2026-03-12 25 EUR exchange order (F is no customer).
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from orders.services import LineItemInput, OrderInput, order_cancel, order_upsert, refund_record

PARIS = ZoneInfo("Europe/Paris")
# The KPIs are PostgreSQL SQL; on SQLite the app says so instead (test_sqlite.py).
POSTGRESQL_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="analytics runs on PostgreSQL")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def order(merchant, key: str, email: str, placed_at: datetime, total: str, currency="EUR", **extra):
    data = OrderInput(
        external_id=key,
        number=f"#{key}",
        placed_at=placed_at,
        currency=currency,
        total=Decimal(total),
        line_items=[LineItemInput(title="Candle", quantity=1, unit_price=Decimal(total))],
        email=email,
        **extra,
    )
    return order_upsert(merchant=merchant, data=data)[0]


def refund(merchant, placed_order, key: str, amount: str, refunded_at: datetime):
    refund_record(
        merchant=merchant, order=placed_order, external_id=key, amount=Decimal(amount), refunded_at=refunded_at
    )


def seed_history(merchant) -> dict:
    orders = {
        "a1": order(merchant, "a1", "a@example.org", paris(2026, 1, 10, 12), "100.00"),
        "a2": order(merchant, "a2", "a@example.org", paris(2026, 3, 5, 12), "50.00"),
        "b1": order(merchant, "b1", "b@example.org", paris(2026, 3, 10, 12), "80.00"),
        "b2": order(merchant, "b2", "b@example.org", paris(2026, 3, 25, 12), "40.00"),
        "c1": order(merchant, "c1", "c@example.org", paris(2026, 3, 20, 12), "30.00", "USD"),
        "c2": order(merchant, "c2", "c@example.org", paris(2026, 5, 15, 12), "60.00", "USD"),
        "d1": order(merchant, "d1", "d@example.org", paris(2026, 3, 15, 12), "200.00"),
        "d2": order(merchant, "d2", "d@example.org", paris(2026, 3, 16, 12), "300.00", test=True),
        "e1": order(merchant, "e1", "e@example.org", paris(2026, 3, 31, 23, 30), "10.00"),
        "e2": order(merchant, "e2", "e@example.org", paris(2026, 4, 1, 0, 30), "20.00"),
        "f1": order(merchant, "f1", "f@example.org", paris(2026, 3, 12, 12), "25.00", exchange_for_rma="RMA-1"),
    }
    order_cancel(merchant=merchant, order=orders["d1"], reason="customer", cancelled_at=paris(2026, 3, 15, 13))
    refund(merchant, orders["a2"], "ra2", "20.00", paris(2026, 5, 1, 9))
    refund(merchant, orders["b1"], "rb1", "10.00", paris(2026, 8, 1, 9))
    return orders
