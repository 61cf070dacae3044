"""The demo shops' catalogue: their products with variants (sizes, colours), prices and stock, each
with a page, suggested on the tracking page and in emails.

The products are the shop plan's (`context.shop.products`, each with `variants` as (id, title,
price)): the same ids as the demo orders' line items, so returns can offer another variant.
"""

from collections import Counter

from core.scoping import merchant_scope
from orders.models import LineItem

from .models import Product, RecommendationRule, Source
from .services import (
    ProductInput,
    VariantInput,
    product_catalogue_sync,
    product_upsert,
    product_url_set,
    recommendation_rule_save,
)

SIZE_WORDS = {"XS", "S", "M", "L", "XL", "Petit", "Grand", "Small", "Large"}
OPTION_NAMES = {"fr": ("Taille", "Couleur"), "en": ("Size", "Colour")}


def seed_demo(context) -> None:
    merchant = context.merchant
    rng = context.rng("catalogue")
    site = merchant.website_url.rstrip("/")
    images = _images_of_orders(merchant)
    for product in context.shop.products:
        data = _product_input(context, product, site, rng, images.get(product.product_id, ""))
        product_upsert(merchant=merchant, data=data)
    product_catalogue_sync(merchant=merchant)  # anything the orders name that the plan does not
    with merchant_scope(merchant):
        for product in Product.objects.filter(url=""):
            url = f"{site}/products/{product.product_id}"
            product_url_set(merchant=merchant, product_id=product.pk, url=url)
        if not RecommendationRule.objects.exists():
            _rule_create(merchant)


def _option_name(product, language: str) -> str:
    """Sizes (weights, volumes, S/M/L) or colours, from how the shop names its variants."""
    size, colour = OPTION_NAMES.get(language, OPTION_NAMES["en"])
    titles = [title for _id, title, _price in product.variants]
    return size if any(t in SIZE_WORDS or any(c.isdigit() for c in t) for t in titles) else colour


def _images_of_orders(merchant) -> dict[str, str]:
    """The picture the demo orders show for each product: the catalogue shows the same one."""
    with merchant_scope(merchant):
        rows = LineItem.objects.filter(merchant=merchant).exclude(image_url="").values_list("product_id", "image_url")
        return dict(rows.order_by("id"))  # the newest line's picture wins; portable (no DISTINCT ON on SQLite)


def _product_input(context, product, site: str, rng, image_url: str) -> ProductInput:
    shop = context.shop
    several = len(product.variants) > 1
    option = _option_name(product, shop.language)
    return ProductInput(
        external_id=product.product_id,
        source=Source.SHOPIFY,
        title=product.title,
        handle=product.product_id,
        product_type=product.product_type,
        tags=list(product.tags),
        url=f"{site}/products/{product.product_id}",
        image_url=image_url,
        currency=shop.currency,
        source_updated_at=context.now,
        variants=[
            VariantInput(
                variant_id=variant_id,
                sku=f"{shop.sku_prefix}{variant_id}",
                title=title,
                options=[(option, title)] if several else [],
                price=price,
                # One variant in six sold out, so an exchange meets real stock.
                available=0 if rng.random() < 1 / 6 else rng.randint(1, 40),
                position=index + 1,
            )
            for index, (variant_id, title, price) in enumerate(product.variants)
        ],
    )


def _rule_create(merchant) -> None:
    """Same product type where the shop has several of a type; a small shop suggests its pick."""
    types = Counter(Product.objects.values_list("product_type", flat=True))
    if max(types.values(), default=0) > 1:
        recommendation_rule_save(merchant=merchant, mode=RecommendationRule.Mode.PRODUCT_TYPE)
    else:
        picked = list(Product.objects.values_list("pk", flat=True)[:4])
        recommendation_rule_save(merchant=merchant, mode=RecommendationRule.Mode.PICKED, picked_ids=picked)
