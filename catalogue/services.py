"""Every write to the catalogue: products from the shop's orders, their pages, the suggestion rule."""

from django.db import transaction

from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import LineItem

from .models import Product, RecommendationRule
from .selectors import MAX_RECOMMENDATIONS


def product_catalogue_sync(*, merchant: Merchant) -> int:
    """Add the products seen in this merchant's orders to its catalogue (title, type, tags, image).

    Product pages (url) are the merchant's to give; existing rows keep theirs.
    """
    with merchant_scope(merchant), transaction.atomic():
        latest: dict[str, LineItem] = {}
        items = LineItem.objects.filter(merchant=merchant).exclude(product_id="").order_by("product_id", "-id")
        for item in items.only("product_id", "title", "product_type", "tags", "image_url"):
            latest.setdefault(item.product_id, item)
        known = set(Product.objects.filter(merchant=merchant).values_list("product_id", flat=True))
        new = [
            Product(
                merchant=merchant,
                product_id=pid,
                title=item.title[:255],
                product_type=item.product_type,
                tags=item.tags if isinstance(item.tags, list) else [],
                image_url=item.image_url,
            )
            for pid, item in latest.items()
            if pid not in known
        ]
        Product.objects.bulk_create(new)
    return len(new)


def product_url_set(*, merchant: Merchant, product_id: int, url: str, active: bool = True) -> Product:
    with merchant_scope(merchant), transaction.atomic():
        product = Product.objects.select_for_update().get(merchant=merchant, pk=product_id)
        product.url, product.active = url[:500], active
        product.save(update_fields=["url", "active", "updated_at"])
    return product


def recommendation_rule_save(
    *, merchant: Merchant, mode: str, picked_ids: list[int] | None = None
) -> RecommendationRule:
    if mode not in RecommendationRule.Mode.values:
        raise ValueError(f"Unknown suggestion mode {mode!r}: use one of {', '.join(RecommendationRule.Mode.values)}.")
    with merchant_scope(merchant), transaction.atomic():
        rule, _created = RecommendationRule.objects.update_or_create(merchant=merchant, defaults={"mode": mode})
        rule.picked.set(Product.objects.filter(merchant=merchant, pk__in=picked_ids or [])[:MAX_RECOMMENDATIONS])
    return rule
