"""Fail-closed tenant scoping.

Every tenant-owned model uses `TenantManager`: outside a merchant scope its queries
raise `ScopeError` instead of returning every merchant's rows. Code enters a scope
with `merchant_scope(merchant)`; the only way around it is `unscoped()`, which is
greppable on purpose.
"""

from contextlib import contextmanager

from django.db import models
from django.http import Http404
from django_scopes import ScopedManager, scope, scopes_disabled
from django_scopes.exceptions import ScopeError

__all__ = ["ScopeError", "TenantManager", "TenantModel", "merchant_scope", "unscoped", "get_for_merchant"]


def TenantManager(manager_class=models.Manager):  # noqa: N802 - reads like a class at the call site
    """The fail-closed manager; `manager_class` may narrow the rows further (see tracking.Shipment)."""
    return ScopedManager(manager_class, merchant="merchant")


class TenantModel(models.Model):
    """Base for every row that belongs to one merchant."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=True)

    objects = TenantManager()

    class Meta:
        abstract = True


@contextmanager
def merchant_scope(merchant):
    """Run the block as `merchant`. A missing merchant is an error, never 'all merchants'."""
    if merchant is None or getattr(merchant, "pk", merchant) is None:
        raise ScopeError("merchant_scope() needs a saved merchant, got None.")
    with scope(merchant=merchant):
        yield


@contextmanager
def unscoped():
    """Explicitly read across merchants (operator commands, cross-tenant sweeps)."""
    with scopes_disabled():
        yield


def get_for_merchant(model, *, merchant, **lookup):
    """Fetch one object of `merchant`; missing and foreign objects give the same 404."""
    try:
        with merchant_scope(merchant):
            return model._default_manager.get(merchant=merchant, **lookup)
    except (model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc
