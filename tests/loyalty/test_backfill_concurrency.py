"""The back-fill against live earning on real PostgreSQL: an order earning live while its batch runs
earns once, and the balances after each entry stay right."""

import threading

import pytest
from django.db import connection, connections, transaction

from loyalty import backfill, services
from loyalty.backfill import points_backfill

from .conftest import account_of, entries_of, place
from .test_backfill import OLD
from .test_backfill_rules import program

WAITING_ON_A_LOCK = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
"""


def _release_once_the_backfill_waits(release: threading.Event) -> None:
    """Let the live earning commit once the back-fill's statement waits on the account it locked."""
    try:
        with connections["default"].cursor() as cursor:
            for _ in range(200):
                cursor.execute(WAITING_ON_A_LOCK)
                if cursor.fetchone()[0]:
                    break
                threading.Event().wait(0.05)
    finally:
        release.set()
        connections["default"].close()


@pytest.mark.django_db(transaction=True)
def test_an_order_earning_live_during_its_batch_earns_once(merchant, customer, monkeypatch):
    program(merchant, enabled=False)
    live_order = place(merchant, customer, subtotal="120.00", number="#live", placed_at=OLD)
    place(merchant, customer, subtotal="80.00", number="#past", placed_at=OLD)
    program(merchant)
    attempts = []
    monkeypatch.setattr(backfill, "_with_orders", lambda *a, real=backfill._with_orders: attempts.append(1) or real(*a))
    earning, release = threading.Event(), threading.Event()

    def live():  # the shop's late webhook for #live, its transaction held open
        try:
            with transaction.atomic():
                services.points_earn_for_order(order=live_order)
                earning.set()
                release.wait(10)
        finally:
            earning.set()
            connection.close()

    threads = [threading.Thread(target=live), threading.Thread(target=_release_once_the_backfill_waits, args=[release])]
    threads[0].start()
    earning.wait(10)
    threads[1].start()
    made = points_backfill(merchant=merchant)
    for thread in threads:
        thread.join(10)

    assert len(attempts) == 2  # the batch saw #live earned only once it had the lock: made again
    assert made == 1
    entries = {entry.order_number: entry for entry in entries_of(merchant, customer)}
    assert sorted(entries) == ["#live", "#past"]
    assert entries["#past"].available_after == 200
    account = account_of(merchant, customer)
    assert (account.available, account.pending, account.debt) == (200, 0, 0)
