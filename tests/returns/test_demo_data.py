"""The demo shops' returns: every status of the queue, played through the services as history."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from flows.models import ScheduledMessage
from merchants.models import Merchant
from orders.models import OrderEvent, Refund
from outbound.models import OutboundMessage
from returns.models import ReturnNote, ReturnPolicy, ReturnRequest, ReturnStatus
from shop_actions.models import ShopAction, ShopActionStatus


def run_seed():
    call_command("seed_demo", "--orders", "120", "--no-progress", stdout=io.StringIO())


def return_rows():
    with unscoped():
        return {
            model.__name__: model.objects.count()
            for model in (ReturnRequest, ReturnNote, ShopAction, Refund, OrderEvent, ReturnPolicy)
        }


@pytest.mark.django_db
def test_each_demo_shop_offers_returns_and_has_them_in_several_statuses():
    run_seed()
    for slug in ("maison-lumiere", "wild-fern"):
        merchant = Merchant.objects.get(slug=slug)
        with merchant_scope(merchant):
            policy = ReturnPolicy.objects.get()
            statuses = set(ReturnRequest.objects.values_list("status", flat=True))
            waiting = ShopAction.objects.filter(status=ShopActionStatus.WAITING_FOR_STAFF).count()
            closed = ReturnRequest.objects.filter(status=ReturnStatus.CLOSED, refund__isnull=False).count()
        assert policy.enabled and policy.window_days == 30 and "keep_it" in policy.methods
        assert {"requested", "approved", "received", "resolved", "closed", "rejected", "cancelled"} <= statuses
        assert waiting >= 1 and closed >= 1  # refunds waiting for staff, and refunds staff confirmed


@pytest.mark.django_db
def test_each_demo_shop_has_an_exchange_with_its_order_and_a_store_credit_return():
    run_seed()
    for slug in ("maison-lumiere", "wild-fern"):
        merchant = Merchant.objects.get(slug=slug)
        with merchant_scope(merchant):
            exchange = ReturnRequest.objects.select_related("exchange_order").get(resolution="exchange_variant")
            credit = ReturnRequest.objects.select_related("credit_entry").get(resolution="store_credit")
            item = exchange.items.select_related("line_item", "exchange_variant").get()
            new_line = exchange.exchange_order.line_items.get()
        assert exchange.status == credit.status == ReturnStatus.CLOSED and exchange.exchange_status == "created"
        assert exchange.exchange_order.exchange_for_rma == exchange.rma and exchange.exchange_order.total == 0
        assert new_line.variant_id == item.exchange_variant.variant_id != item.line_item.variant_id
        assert exchange.exchange_order.placed_at < exchange.updated_at < timezone.now()
        assert credit.credit_entry.amount == credit.credit_amount > 0
        assert credit.credit_entry.created_at == credit.updated_at  # issued when it closed, weeks ago


@pytest.mark.django_db
def test_demo_returns_are_history_and_a_second_run_adds_nothing(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        run_seed()
    first = return_rows()
    run_seed()

    assert return_rows() == first
    with unscoped():
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()
        assert OrderEvent.objects.filter(kind="return.requested").count() == ReturnRequest.objects.count()
        requests = list(ReturnRequest.objects.prefetch_related("notes"))
    assert mailoutbox == []
    with unscoped():
        assert not OutboundMessage.objects.exists()  # the emails of the past are history too (nothing due now)
        assert not ScheduledMessage.objects.filter(status="scheduled", due_at__lte=timezone.now()).exists()
    for request in requests:  # each move dated when it happened, after the request, none today
        times = [note.created_at for note in request.notes.all()]
        assert times[0] == request.created_at and times == sorted(times)
        assert request.updated_at == times[-1]
