"""/api/v1/orders and /api/v1/customers: explicit paths, no trailing slash, ids as <int:pk>."""

from django.urls import path

from .api import CustomerViewSet, OrderViewSet


def _view(viewset, actions: dict, *, basename: str, detail: bool, method_name: str | None = None):
    """A viewset bound to `actions`, with the initkwargs a router would give (used by the schema)."""
    extra = getattr(viewset, method_name).kwargs if method_name else {}
    return viewset.as_view(actions, basename=basename, detail=detail, **extra)


def _action(viewset, http_method: str, name: str, *, basename: str):
    return _view(viewset, {http_method: name}, basename=basename, detail=True, method_name=name)


urlpatterns = [
    path(
        "orders",
        _view(OrderViewSet, {"get": "list", "post": "create"}, basename="api-orders", detail=False),
        name="api-orders-list",
    ),
    path(
        "orders/<int:pk>",
        _view(OrderViewSet, {"get": "retrieve"}, basename="api-orders", detail=True),
        name="api-orders-detail",
    ),
    path(
        "orders/<int:pk>/cancel",
        _action(OrderViewSet, "post", "cancel", basename="api-orders"),
        name="api-orders-cancel",
    ),
    path(
        "orders/<int:pk>/refunds",
        _action(OrderViewSet, "post", "refunds", basename="api-orders"),
        name="api-orders-refunds",
    ),
    path(
        "orders/<int:pk>/timeline",
        _action(OrderViewSet, "get", "timeline", basename="api-orders"),
        name="api-orders-timeline",
    ),
    path(
        "customers",
        _view(CustomerViewSet, {"get": "list"}, basename="api-customers", detail=False),
        name="api-customers-list",
    ),
    path(
        "customers/<int:pk>",
        _view(CustomerViewSet, {"get": "retrieve"}, basename="api-customers", detail=True),
        name="api-customers-detail",
    ),
]
