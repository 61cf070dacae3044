"""The one recommendation engine: what the tracking page and the emails suggest for an order.

Both surfaces ask `recommendations_for(order)` and so show the same products for the same order.
"""

from collections.abc import Iterable
from typing import Protocol

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.scoping import merchant_scope
from orders.models import LineItem, Order

from .models import Product, RecommendationRule, Source, Variant

MAX_RECOMMENDATIONS = 4
Mode = RecommendationRule.Mode


class Purchased(Protocol):
    """What the engine reads of a line item: a LineItem, or the tracking page's cached copy of one."""

    product_id: str
    product_type: str
    tags: list


def recommendations_for(
    order: Order,
    limit: int = MAX_RECOMMENDATIONS,
    *,
    items: Iterable[Purchased] | None = None,
    with_prices: bool = False,
) -> list[Product]:
    """Up to `limit` products chosen by the merchant's rule, most often bought with this order's products
    first, then by title: the same list for the same order wherever it is shown.

    Never a product the customer already owns (in this order or an earlier one), only active products
    with a page on the shop, only the order's merchant's. Two queries (the rule, the products); `items`
    are the order's line items when the caller has them, else they are read too. Each product carries
    `co_purchases`; `with_prices`, also `price` and `price_currency` as last sold (None if never sold).
    """
    with merchant_scope(order.merchant_id):
        rule = (
            RecommendationRule.objects.filter(merchant_id=order.merchant_id).only("pk", "merchant_id", "mode").first()
        )
        if rule is None or rule.mode == Mode.OFF:
            return []
        items = list(order.line_items.all() if items is None else items)
        products = _by_rule(rule, _showable(order), items)
        if products is None:
            return []
        bought = sorted({item.product_id for item in items if item.product_id})
        ranked = products.annotate(co_purchases=_co_purchases(order.merchant_id, bought))
        if with_prices:
            ranked = ranked.annotate(**_last_price(order.merchant_id))
        return list(ranked.order_by("-co_purchases", "title", "id")[:limit])


def _showable(order: Order) -> QuerySet:
    """The merchant's products a customer can be sent to and does not own yet."""
    owned = LineItem.objects.filter(_same_person(order), merchant_id=order.merchant_id).exclude(product_id="")
    return (
        Product.objects.filter(merchant_id=order.merchant_id, active=True, for_sale=True)
        .exclude(url="")
        .exclude(product_id__in=owned.values("product_id"))
    )


def _same_person(order: Order) -> Q:
    """Line items of the person's orders, this one included: by customer record, else by contact email
    (guests). A join on the order, not `order IN (their orders)`: on tables not analysed yet (right after
    an import or the demo's seed) PostgreSQL ran that as every line item of the shop against every order
    of the shop, 3 s a call for 2,600 line items; the join reads each line item's order by its key."""
    if order.customer_id:
        return Q(order__customer_id=order.customer_id)
    email = (order.email or "").strip()
    return Q(order__email__iexact=email) if email else Q(order_id=order.pk)


def _by_rule(rule: RecommendationRule, products: QuerySet, items: list) -> QuerySet | None:
    """The candidates the rule allows; None when the order gives the rule nothing to go on."""
    if rule.mode == Mode.PICKED:
        return products.filter(
            pk__in=rule.picked.through.objects.filter(recommendationrule_id=rule.pk).values("product_id")
        )
    if rule.mode == Mode.PRODUCT_TYPE:
        types = sorted({item.product_type for item in items if item.product_type})
        return products.filter(product_type__in=types) if types else None
    if rule.mode == Mode.TAGS:
        tags = sorted(
            {tag for item in items if isinstance(item.tags, list) for tag in item.tags if isinstance(tag, str)}
        )
        return products.filter(tags__has_any_keys=tags) if tags else None
    if rule.mode == Mode.BOUGHT_TOGETHER:
        bought = sorted({item.product_id for item in items if item.product_id})
        with_bought = _orders_with(rule.merchant_id, bought)
        together = LineItem.objects.filter(merchant_id=rule.merchant_id, order_id__in=with_bought).values("product_id")
        return products.filter(product_id__in=together) if bought else None
    return None


def _orders_with(merchant_id: int, bought: list[str]) -> QuerySet:
    """The real orders (not test ones) holding one of `bought`."""
    items = LineItem.objects.filter(merchant_id=merchant_id, product_id__in=bought).exclude(order__test=True)
    return items.values("order_id")


def _co_purchases(merchant_id: int, bought: list[str]):
    """How many real orders hold the candidate together with one of `bought`."""
    if not bought:
        return Value(0, output_field=IntegerField())
    count = (
        LineItem.objects.filter(
            merchant_id=merchant_id, product_id=OuterRef("product_id"), order_id__in=_orders_with(merchant_id, bought)
        )
        .order_by()
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .values("orders")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def _last_price(merchant_id: int) -> dict:
    """The product's price on its latest real line item, with that order's currency."""
    last = (
        LineItem.objects.filter(merchant_id=merchant_id, product_id=OuterRef("product_id"))
        .exclude(order__test=True)
        .order_by("-id")
    )
    return {
        "price": Subquery(last.values("unit_price")[:1]),
        "price_currency": Subquery(last.values("order__currency")[:1]),
    }


def products_of(*, merchant) -> QuerySet:
    """The merchant's catalogue, as staff manage it."""
    return Product.objects.filter(merchant=merchant)


def rule_of(*, merchant) -> RecommendationRule | None:
    return RecommendationRule.objects.filter(merchant=merchant).first()


def products_list(*, merchant, q: str = "", source: str = "", active: bool | None = None) -> QuerySet:
    """The catalogue as staff and the API browse it: by title, variants in their order, two queries a page.

    `q` matches the title, the shop's product id, a variant's SKU or title; `active` is whether the
    product is for sale in the shop.
    """
    products = Product.objects.filter(merchant=merchant)
    if source:
        products = products.filter(source=source)
    if active is not None:
        products = products.filter(for_sale=active)
    if q:
        variants = Variant.objects.filter(merchant=merchant).filter(Q(sku__iexact=q) | Q(title__icontains=q))
        products = products.filter(Q(title__icontains=q) | Q(product_id=q) | Q(pk__in=variants.values("product_id")))
    ordered = Variant.objects.filter(merchant=merchant).order_by("position", "id")
    return products.prefetch_related(Prefetch("variants", queryset=ordered)).order_by("title", "id")


def sync_summary(*, merchant) -> list[dict]:
    """Per source: how many products, and when the last one was synced; one query."""
    rows = (
        Product.objects.filter(merchant=merchant)
        .order_by()
        .values("source")
        .annotate(count=Count("id"), last_synced=Max("synced_at"))
    )
    labels = dict(Source.choices)
    return [
        {**row, "label": labels.get(row["source"], row["source"])} for row in sorted(rows, key=lambda r: r["source"])
    ]


def products_search(products: QuerySet, q: str) -> QuerySet:
    """Products whose title holds `q`, whose shop id is `q`, or with a variant of that SKU."""
    if not q:
        return products
    with_sku = Exists(Variant.objects.filter(product_id=OuterRef("pk"), sku__iexact=q))
    return products.filter(Q(title__icontains=q) | Q(product_id=q) | with_sku)
