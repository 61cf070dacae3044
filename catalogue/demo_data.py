"""The demo shops' catalogue: products from their orders, each with a page, suggested on the tracking page and in emails."""

from collections import Counter

from core.scoping import merchant_scope

from .models import Product, RecommendationRule
from .services import product_catalogue_sync, product_url_set, recommendation_rule_save


def seed_demo(context) -> None:
    merchant = context.merchant
    product_catalogue_sync(merchant=merchant)
    with merchant_scope(merchant):
        for product in Product.objects.filter(url=""):
            url = f"{merchant.website_url}/products/{product.product_id}"
            product_url_set(merchant=merchant, product_id=product.pk, url=url)
        if not RecommendationRule.objects.exists():
            _rule_create(merchant)


def _rule_create(merchant) -> None:
    """Same product type where the shop has several of a type; a small shop suggests its pick."""
    types = Counter(Product.objects.values_list("product_type", flat=True))
    if max(types.values(), default=0) > 1:
        recommendation_rule_save(merchant=merchant, mode=RecommendationRule.Mode.PRODUCT_TYPE)
    else:
        picked = list(Product.objects.values_list("pk", flat=True)[:4])
        recommendation_rule_save(merchant=merchant, mode=RecommendationRule.Mode.PICKED, picked_ids=picked)
