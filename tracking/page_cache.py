"""The tracking page's cache: per order, what the page reads of the order, its customer and its merchant,
and the parts of the page rendered from them, so that a view of an unchanged order runs no query and
renders no template.

The entry sits at one key per order and holds the order's cache version (orders/cache_version.py) and
its merchant's, both read before the database was: it is served only while both are still current, and
it is fetched together with them in one round trip.

These writes drop a version once they commit, so the next view reads the database again:

- every order event (`event_record`), and any save of the order's number, language or customer;
- a save of the customer's language or time zone; a deletion of the customer (merchant version);
- any save or deletion of the merchant or of its suggestion rule (merchant version); the creation of
  a merchant drops its version at once, so that entries left in the cache by an earlier database whose
  ids are being reused are never served;
- a deletion of the order: its link must answer 404 at once, as a bad token does;
- personal data erasure (an eraser in the orders/privacy.py registry): its bulk updates send no signal,
  and it deletes the entries themselves so the erased values do not stay in the cache.

Model signals rather than calls in the services: the admin, the erasure and every ingest path write
these rows, and a missed invalidation would show a customer stale data. The receivers only drop cache
keys, after commit; they start no side effect.
"""

import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalogue.models import RecommendationRule
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.cache_version import cache_version, order_cache_version_bump, order_cache_version_key
from orders.models import Customer, Order
from orders.privacy import DataSubject, register_eraser

from . import selectors

logger = logging.getLogger(__name__)

ENTRY_FORMAT = 1  # raise when the cached entry's shape changes
# Entries are dropped as soon as what they hold changes. The expiry bounds how long a page rendered by an
# older release (template, translations) is served after a deploy, and how long an entry that a request
# wrote under an already stale version (so never served) stays in the cache.
ENTRY_SECONDS = 60 * 60
MAX_PARTS = 16
ORDER_FIELDS = frozenset({"number", "language", "customer", "customer_id", "merchant", "merchant_id"})
CUSTOMER_FIELDS = frozenset({"language", "time_zone"})
DELETE_CHUNK = 1000


def entry_key(merchant_id: int, order_id: int) -> str:
    return f"tracking:order:{ENTRY_FORMAT}:{merchant_id}:{order_id}"


def merchant_version_key(merchant_id: int) -> str:
    return f"merchant:{merchant_id}:cache-version"


@dataclass
class OrderEntry:
    """The order as the page reads it (selectors.tracking_page_order), and the parts of its page already
    rendered from it: timelines and whole pages, by language and time zone."""

    order: Order
    parts: dict = field(default_factory=dict)
    versions: list | None = None  # None: read while the cache was down; never stored
    changed: bool = False

    def add_part(self, name: tuple, value) -> None:
        if len(self.parts) >= MAX_PARTS:  # a bound on the entry's size, whatever visitors ask for
            self.parts.clear()
        self.parts[name] = value
        self.changed = True


def order_entry(*, merchant_id: int, order_id: int) -> OrderEntry | None:
    """The order of a tracking link, from the cache while it and its merchant are unchanged; None when
    the order or the merchant is missing."""
    key = entry_key(merchant_id, order_id)
    version_keys = [order_cache_version_key(order_id), merchant_version_key(merchant_id)]
    try:
        found = cache.get_many([key, *version_keys])
        cached = found.get(key)
        versions = [found.get(k) for k in version_keys]
        if cached is not None and list(cached[:2]) == versions:
            return OrderEntry(order=cached[2], parts=cached[3], versions=versions)
        versions = [cache_version(k) for k in version_keys]  # before the read below: see order_cache_version
    except Exception:  # the cache is an accelerator: a customer still gets the page while it is down
        logger.warning("tracking page cache unavailable; reading order %s uncached", order_id, exc_info=True)
        versions = None
    order = selectors.tracking_page_order(merchant_id=merchant_id, order_id=order_id)
    if order is None:  # not cached: the 404 of a missing order costs the query a bad token does
        return None
    return OrderEntry(order=order, versions=versions, changed=True)


def order_entry_save(entry: OrderEntry) -> None:
    """Stores the entry if it was read from the database or got new parts."""
    if not entry.changed or entry.versions is None:
        return
    try:
        cache.set(
            entry_key(entry.order.merchant_id, entry.order.pk),
            (*entry.versions, entry.order, entry.parts),
            ENTRY_SECONDS,
        )
    except Exception:
        logger.warning("tracking page cache unavailable; order %s not cached", entry.order.pk, exc_info=True)


def _delete(keys: list[str]) -> None:
    for start in range(0, len(keys), DELETE_CHUNK):
        cache.delete_many(keys[start : start + DELETE_CHUNK])


def _delete_on_commit(keys: list[str]) -> None:
    # robust: the data is committed whatever the cache says; a failure is logged by Django.
    transaction.on_commit(lambda: _delete(keys), robust=True)


def _order_saved(sender, instance: Order, created: bool, update_fields=None, **kwargs) -> None:
    if not created and (update_fields is None or ORDER_FIELDS & set(update_fields)):
        order_cache_version_bump(instance.pk)


def _order_deleted(sender, instance: Order, **kwargs) -> None:
    order_cache_version_bump(instance.pk)


def _customer_saved(sender, instance: Customer, created: bool, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and not CUSTOMER_FIELDS & set(update_fields)):
        return  # a new customer has no order yet
    with merchant_scope(instance.merchant_id):
        order_ids = list(Order.objects.filter(customer=instance).values_list("pk", flat=True))
    _delete_on_commit([order_cache_version_key(pk) for pk in order_ids])


def _merchant_saved(sender, instance: Merchant, created: bool, **kwargs) -> None:
    if created:
        # After a database reset ids start again while the cache keeps its entries: a new version makes
        # every entry stored for this merchant id, whatever its order ids, unservable. Now, not on commit,
        # so that it holds in test transactions that never commit too.
        try:
            cache.delete(merchant_version_key(instance.pk))
        except Exception:
            logger.warning("cache unavailable; version of new merchant %s kept", instance.pk, exc_info=True)
    else:
        _delete_on_commit([merchant_version_key(instance.pk)])


def _merchant_changed(sender, instance, **kwargs) -> None:
    """A merchant was deleted, or its suggestion rule or one of its customers (whose orders lose it) changed."""
    merchant_id = instance.pk if isinstance(instance, Merchant) else instance.merchant_id
    _delete_on_commit([merchant_version_key(merchant_id)])


def merchant_pages_drop(merchant_id: int) -> None:
    """Every page cached for the merchant's orders is stale once the current transaction commits: for
    other apps whose settings shape parts of these entries (returns: its policy, rules, reasons)."""
    _delete_on_commit([merchant_version_key(merchant_id)])


def erase_cached_pages(subject: DataSubject) -> int:
    """Drops the cached tracking page data of the subject's orders once the erasure commits, entries
    included. Returns the number of orders."""
    merchant_id = subject.merchant.pk
    order_ids = list(subject.orders().values_list("pk", flat=True))
    keys = [entry_key(merchant_id, pk) for pk in order_ids] + [order_cache_version_key(pk) for pk in order_ids]
    if subject.whole_shop:
        keys.append(merchant_version_key(merchant_id))
    _delete_on_commit(keys)
    return len(order_ids)


def connect() -> None:
    """Called once, from TrackingConfig.ready()."""
    post_save.connect(_order_saved, sender=Order, dispatch_uid="tracking.page_cache.order_saved")
    post_delete.connect(_order_deleted, sender=Order, dispatch_uid="tracking.page_cache.order_deleted")
    post_save.connect(_customer_saved, sender=Customer, dispatch_uid="tracking.page_cache.customer_saved")
    post_save.connect(_merchant_saved, sender=Merchant, dispatch_uid="tracking.page_cache.merchant_saved")
    post_save.connect(_merchant_changed, sender=RecommendationRule, dispatch_uid="tracking.page_cache.rule_saved")
    for model in (Merchant, RecommendationRule, Customer):
        post_delete.connect(
            _merchant_changed, sender=model, dispatch_uid=f"tracking.page_cache.{model.__name__}.deleted"
        )
    register_eraser("tracking.page_cache", erase_cached_pages)
