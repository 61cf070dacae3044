import pytest

from core.scoping import ScopeError, merchant_scope, unscoped
from orders.models import Order
from tests.factories import OrderFactory


@pytest.mark.django_db
def test_query_outside_any_scope_raises(merchant):
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant)
    with pytest.raises(ScopeError):
        list(Order.objects.all())
    with pytest.raises(ScopeError):
        Order.objects.filter(number="#1001").exists()


@pytest.mark.django_db
def test_scope_filters_to_its_merchant(merchant, other_merchant):
    with merchant_scope(merchant):
        mine = OrderFactory(merchant=merchant)
    with merchant_scope(other_merchant):
        OrderFactory(merchant=other_merchant)
    with merchant_scope(merchant):
        assert list(Order.objects.all()) == [mine]
    with unscoped():
        assert Order.objects.count() == 2


def test_scope_refuses_none():
    with pytest.raises(ScopeError):
        with merchant_scope(None):
            pass
