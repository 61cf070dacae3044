"""Units promised before the shop's stock shows them: an exchange's new size, reserved when the
customer confirms and re-checked when the shop's order is made.

A variant's free stock is its `available` (the shop's count) minus its active reservations; a
variant whose stock the shop does not track (`available` null) is always free. Reserving locks the
variant's row, so of two customers confirming its last unit one gets it and the other is told.
"""

from django.db import transaction
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.scoping import merchant_scope

from .models import Product, Reservation, ReservationStatus, Variant

ACTIVE = ReservationStatus.ACTIVE


class ReservationError(Exception):
    """The units cannot be promised: the message says why, for the customer."""


def _reserved_sum(variant_ref):
    active = (
        Reservation.objects.filter(variant_id=variant_ref, status=ACTIVE)
        .order_by()
        .values("variant_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(active, output_field=IntegerField()), 0)


def free_stock(variant: Variant) -> int | None:
    """Units still free to promise (None: not tracked, always free); needs the `reserved` annotation."""
    if variant.available is None:
        return None
    return max(variant.available - variant.reserved, 0)


def exchange_variants(*, merchant, product_id: str) -> list[Variant]:
    """The variants of the shop's product `product_id` a customer may exchange for: active, of a
    product still for sale, each annotated with `reserved` (see free_stock). One query."""
    if not product_id:
        return []
    with merchant_scope(merchant):
        return list(
            Variant.objects.filter(
                merchant=merchant,
                product__product_id=product_id,
                product__for_sale=True,
                product__deleted_at__isnull=True,
                active=True,
            )
            .select_related("product")
            .annotate(reserved=_reserved_sum(OuterRef("pk")))
            .order_by("position", "id")
        )


def variant_reserve(*, merchant, variant: Variant, quantity: int, key: str) -> Reservation:
    """Promise `quantity` units of `variant` under `key`, in the caller's transaction.

    The same key returns the first reservation while it is active or used. A released one (a cancelled
    return reopened) is taken again like a new one, behind the reservations made since. Raises
    ReservationError when the variant is no longer sold or fewer units are free (two customers after
    the last unit: the second is told).
    """
    with merchant_scope(merchant), transaction.atomic():
        existing = Reservation.objects.filter(merchant=merchant, key=key).first()
        if existing is not None and existing.status != ReservationStatus.RELEASED:
            return existing
        if existing is not None:
            existing.delete()  # its key is free again; a new row keeps first come, first served by id
        locked = Variant.objects.select_for_update().filter(merchant=merchant, pk=variant.pk).first()
        if locked is None or not locked.active or not _product_sold(locked.product_id):
            raise ReservationError(_("“%(variant)s” is no longer sold.") % {"variant": variant})
        if locked.available is not None:
            reserved = Reservation.objects.filter(variant=locked, status=ACTIVE).aggregate(total=Sum("quantity"))
            if locked.available - (reserved["total"] or 0) < quantity:
                raise ReservationError(_("“%(variant)s” has just sold out.") % {"variant": variant})
        return Reservation.objects.create(merchant=merchant, variant=locked, quantity=quantity, key=key)


def _product_sold(product_pk: int) -> bool:
    return Product.objects.filter(pk=product_pk, for_sale=True, deleted_at__isnull=True).exists()


def reservation_holds(*, merchant, key: str) -> bool:
    """Whether the reservation under `key` can still be honoured now: it is active, its variant still
    sold, and the shop's count covers it together with the reservations made before it (first come,
    first served when the shop sold units meanwhile)."""
    with merchant_scope(merchant):
        reservation = Reservation.objects.filter(merchant=merchant, key=key).select_related("variant").first()
        if reservation is None or reservation.status != ACTIVE:
            return False
        variant = reservation.variant
        if not variant.active or not _product_sold(variant.product_id):
            return False
        if variant.available is None:
            return True
        earlier = Reservation.objects.filter(variant=variant, status=ACTIVE, pk__lte=reservation.pk)
        return (earlier.aggregate(total=Sum("quantity"))["total"] or 0) <= variant.available


def reservations_end(*, merchant, keys: list[str], status: str) -> int:
    """Mark the active reservations under `keys` used (the shop's order exists) or released."""
    if status not in (ReservationStatus.USED, ReservationStatus.RELEASED):
        raise ValueError(f"A reservation ends as used or released, not {status!r}.")
    with merchant_scope(merchant):
        return Reservation.objects.filter(merchant=merchant, key__in=keys, status=ACTIVE).update(status=status)
