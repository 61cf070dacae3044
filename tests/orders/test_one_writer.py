"""New orders and order events have one writer each: orders.services.orders_write_new and orders.events."""

import ast
from pathlib import Path

import pytest

from core.scoping import merchant_scope
from orders.events import NewEvent, event_record, events_record, events_recorded_as_history
from orders.models import LineItem, Order, OrderEvent
from orders.services import NewOrder, orders_write_new
from tests.factories import OrderFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [p for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "core"]
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}
# Where each model's rows are born.
WRITERS = {"Order": {"orders/services.py"}, "LineItem": {"orders/services.py"}, "OrderEvent": {"orders/events.py"}}


def _row_writes(path: Path):
    """(model, line) for every `<Model>.objects.<create...>(` in a module."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            manager = node.func.value
            if isinstance(manager, ast.Attribute) and isinstance(manager.value, ast.Name):
                yield manager.value.id, node.lineno


def test_no_product_module_writes_new_orders_or_events_but_their_writers():
    found = []
    for package in PRODUCT:
        for path in package.rglob("*.py"):
            relative = str(path.relative_to(ROOT))
            if "/migrations/" in relative:
                continue
            for model, line in _row_writes(path):
                if model in WRITERS and relative not in WRITERS[model]:
                    found.append(f"{relative}:{line} writes {model} rows")
    assert found == [], "use orders.services.orders_write_new / orders.events.events_record:\n" + "\n".join(found)


@pytest.mark.django_db
def test_history_is_written_published_with_its_own_moments(merchant, django_capture_on_commit_callbacks):
    placed = OrderFactory.build(merchant=merchant, external_id="h-1", customer=None)
    new = NewOrder(placed, [LineItem(merchant=merchant, title="Vase", quantity=1, unit_price=10)])
    with django_capture_on_commit_callbacks() as callbacks:
        (order,) = orders_write_new(merchant=merchant, new_orders=[new], past=True)
        events_record(merchant=merchant, events=[NewEvent("order.cancelled", order=order, payload={})], past=True)
    with merchant_scope(merchant):
        events = list(OrderEvent.objects.filter(order=order).order_by("id"))
        assert Order.objects.get(pk=order.pk).line_items.count() == 1
    assert [e.kind for e in events] == ["order.created", "order.cancelled"]
    assert events[0].occurred_at == order.placed_at and all(e.published_at for e in events)
    assert not any("publish" in getattr(c, "__qualname__", "") for c in callbacks)  # nothing asked to publish


@pytest.mark.django_db
def test_events_recorded_inside_the_history_block_are_past_and_only_those(merchant, django_capture_on_commit_callbacks):
    order = OrderFactory(merchant=merchant)
    with django_capture_on_commit_callbacks() as callbacks:
        with events_recorded_as_history():
            past = event_record(merchant=merchant, kind="order.cancelled", order=order, payload={})
    assert past.published_at is not None
    assert not any("publish" in getattr(c, "__qualname__", "") for c in callbacks)

    with django_capture_on_commit_callbacks() as callbacks:
        now = event_record(merchant=merchant, kind="order.cancelled", order=order, payload={})
    assert now.published_at is None
    assert any("publish" in getattr(c, "__qualname__", "") for c in callbacks)
