"""Two identical requests racing with one Idempotency-Key: one does the work, both get its response."""

import json
import threading

import pytest
from django.db import connection

from core.models import IdempotencyRecord
from core.scoping import merchant_scope
from orders import api as orders_api
from orders.models import Order, OrderEvent
from tests.conftest import api_client_for
from tests.factories import MerchantFactory

from .test_api import order_body


@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_one_key_do_the_work_once(monkeypatch):
    merchant = MerchantFactory()
    both_inside = threading.Barrier(2, timeout=10)
    real_upsert = orders_api.order_upsert

    def upsert_after_both_arrive(**kwargs):
        both_inside.wait()  # both requests have checked the key and found nothing
        return real_upsert(**kwargs)

    monkeypatch.setattr(orders_api, "order_upsert", upsert_after_both_arrive)
    body = json.dumps(order_body())
    results = []

    def send():
        try:
            client = api_client_for(merchant)
            response = client.post(
                "/api/v1/orders", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
            )
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    with merchant_scope(merchant):
        assert Order.objects.count() == 1
        assert IdempotencyRecord.objects.count() == 1
        assert OrderEvent.objects.filter(kind="order.created").count() == 1
