"""Reads of shop actions for the dashboard, always scoped to one merchant."""

from core.scoping import get_for_merchant

from .models import ShopAction, ShopActionStatus


def shop_actions_list(*, merchant, status: str = ""):
    """Newest first; `status` one of ShopActionStatus, or empty for all."""
    actions = ShopAction.objects.filter(merchant=merchant).select_related("order")
    if status in ShopActionStatus.values:
        actions = actions.filter(status=status)
    return actions.order_by("-created_at", "-id")


def shop_action_get(*, merchant, pk) -> ShopAction:
    """One action of `merchant`; another merchant's and a missing one give the same 404."""
    return get_for_merchant(ShopAction, merchant=merchant, pk=pk)
