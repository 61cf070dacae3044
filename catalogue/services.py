"""Every write to the catalogue: products and variants from the shop (webhooks, API) or its past
orders, their pages, stock levels, the suggestion rule.

Out-of-order deliveries never regress a product: a version whose `source_updated_at` is older than
the stored one changes nothing, as for orders; a deleted product comes back only with a version
newer than its deletion. Input is checked whole before anything is written, so a product with one
bad variant is refused entirely.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from core.inputs import check_aware, check_length, check_web_url
from core.money import is_currency_code
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import LineItem
from orders.services import money_parse

from .models import Product, RecommendationRule, Source, Variant
from .selectors import MAX_RECOMMENDATIONS

MAX_VARIANTS = 250  # Shopify's own limit per product (older API versions: 100)
MAX_OPTIONS = 3
MAX_TAGS = 250
STOCK_LIMIT = 10**9


class ProductValidationError(Exception):
    """Input that cannot be stored: `errors` maps each bad field (by path, "variants[1].price") to a
    message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


class ProductDeletedError(Exception):
    """The product was deleted in the shop: a late change to one of its variants changes nothing."""


@dataclass
class VariantInput:
    variant_id: str
    price: Decimal | str | int
    title: str = ""
    sku: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # ordered (name, value): ("Size", "M")
    compare_at_price: Decimal | str | int | None = None
    image_url: str = ""
    available: int | None = None  # None: stock not tracked
    inventory_item_id: str = ""
    active: bool = True
    position: int = 0
    source_updated_at: datetime | None = None


@dataclass
class ProductInput:
    external_id: str
    source: str
    title: str
    variants: list[VariantInput] = field(default_factory=list)
    # Variants the product still has whose details come in deliveries of their own (WooCommerce
    # variations): kept as stored. Every other stored variant not in `variants` is retired.
    other_variant_ids: list[str] = field(default_factory=list)
    handle: str = ""
    product_type: str = ""
    tags: list[str] = field(default_factory=list)
    image_url: str = ""
    url: str = ""
    for_sale: bool = True
    currency: str = ""  # the merchant's when empty: shops price their catalogue in one currency
    source_updated_at: datetime | None = None
    restored: bool = False  # the shop brought a deleted product back: its deletion time does not apply


# --- Checks ---------------------------------------------------------------------------------------


def _price(errors: dict, name: str, value, currency: str, *, required: bool) -> Decimal | None:
    if value in (None, "") and not required:
        return None
    try:
        return money_parse(value, currency)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def _options_check(errors: dict, prefix: str, options) -> None:
    if not isinstance(options, list) or len(options) > MAX_OPTIONS:
        errors[f"{prefix}.options"] = f"Give at most {MAX_OPTIONS} (name, value) pairs."
        return
    for index, pair in enumerate(options):
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            errors[f"{prefix}.options[{index}]"] = "Give an option as a name and a value, e.g. Size: M."
            continue
        check_length(errors, f"{prefix}.options[{index}].name", pair[0], 120, required=True)
        check_length(errors, f"{prefix}.options[{index}].value", pair[1], 255, required=True)


def _variant_check(errors: dict, prefix: str, variant: VariantInput, currency: str) -> dict:
    check_length(errors, f"{prefix}.variant_id", variant.variant_id, 64, required=True)
    check_length(errors, f"{prefix}.title", variant.title, 255)
    check_length(errors, f"{prefix}.sku", variant.sku, 120)
    check_length(errors, f"{prefix}.inventory_item_id", variant.inventory_item_id, 64)
    check_length(errors, f"{prefix}.image_url", variant.image_url, 500)
    check_web_url(errors, f"{prefix}.image_url", variant.image_url)
    check_aware(errors, f"{prefix}.updated_at", variant.source_updated_at)
    _options_check(errors, prefix, variant.options)
    if isinstance(variant.position, bool) or not isinstance(variant.position, int) or not 0 <= variant.position < 2**31:
        errors[f"{prefix}.position"] = "Give a position from 0 up."
    stock = variant.available
    if stock is not None and (isinstance(stock, bool) or not isinstance(stock, int) or abs(stock) >= STOCK_LIMIT):
        errors[f"{prefix}.available"] = "Give a whole number of units, or nothing when stock is not tracked."
    return {
        "price": _price(errors, f"{prefix}.price", variant.price, currency, required=True),
        "compare_at_price": _price(
            errors, f"{prefix}.compare_at_price", variant.compare_at_price, currency, required=False
        ),
    }


def product_validate(data: ProductInput, *, currency: str) -> list[dict]:
    """Check the whole input; returns each variant's parsed prices, else raises ProductValidationError."""
    errors: dict[str, str] = {}
    check_length(errors, "external_id", data.external_id, 64, required=True)
    check_length(errors, "title", data.title, 255, required=True)
    check_length(errors, "handle", data.handle, 255)
    check_length(errors, "product_type", data.product_type, 120)
    for name in ("image_url", "url"):
        check_length(errors, name, getattr(data, name), 500)
        check_web_url(errors, name, getattr(data, name))
    check_aware(errors, "updated_at", data.source_updated_at)
    if data.source not in Source.values:
        errors["source"] = f"Use one of {', '.join(Source.values)}."
    if not is_currency_code(currency):
        errors["currency"] = "Give an ISO 4217 code such as EUR."
    if not isinstance(data.tags, list) or len(data.tags) > MAX_TAGS or not all(isinstance(t, str) for t in data.tags):
        errors["tags"] = f"Give at most {MAX_TAGS} tags, each a text."
    if not data.variants and not data.other_variant_ids:
        errors["variants"] = "A product needs at least one variant."
    elif len(data.variants) > MAX_VARIANTS:
        errors["variants"] = f"At most {MAX_VARIANTS} variants."
    prices = (
        []
        if "currency" in errors
        else [_variant_check(errors, f"variants[{i}]", variant, currency) for i, variant in enumerate(data.variants)]
    )
    ids = [variant.variant_id for variant in data.variants]
    for index, variant_id in enumerate(ids):
        if variant_id in ids[:index]:
            errors.setdefault(f"variants[{index}].variant_id", f"Variant {variant_id!r} is listed twice.")
    if errors:
        raise ProductValidationError(errors)
    return prices


# --- Products and variants ------------------------------------------------------------------------


def _product_locked(merchant: Merchant, external_id: str) -> Product | None:
    return Product.objects.select_for_update().filter(merchant=merchant, product_id=external_id).first()


def _older(given: datetime | None, stored: datetime | None) -> bool:
    return given is not None and stored is not None and given < stored


def _is_stale(product: Product, data: ProductInput) -> bool:
    """An older version than the stored one, or one from before the product's deletion."""
    updated_at = data.source_updated_at
    if _older(updated_at, product.source_updated_at):
        return True
    deleted_at = None if data.restored else product.deleted_at
    return updated_at is not None and deleted_at is not None and updated_at <= deleted_at


def _product_fields(product: Product, data: ProductInput, now: datetime) -> None:
    product.source = data.source
    product.title = data.title.strip()
    product.handle = data.handle.strip()
    product.product_type = data.product_type.strip()
    product.tags = [tag.strip() for tag in data.tags if tag.strip()]
    product.image_url = data.image_url.strip()
    if data.url.strip():  # a page staff gave is kept when the shop names none
        product.url = data.url.strip()
    product.for_sale = data.for_sale
    product.deleted_at = None
    if data.source_updated_at is not None:
        product.source_updated_at = data.source_updated_at
    product.synced_at = now


def _product_write(merchant: Merchant, data: ProductInput) -> tuple[Product | None, bool]:
    """(the product, created); (None, False) for a version older than the stored one."""
    now = timezone.now()
    product = _product_locked(merchant, data.external_id)
    if product is None:
        product = Product(merchant=merchant, product_id=data.external_id)
        _product_fields(product, data, now)
        if _insert_unless_known([product])[0]:
            return product, True
        product = _product_locked(merchant, data.external_id)  # a concurrent delivery created it first
    if _is_stale(product, data):
        return None, False
    _product_fields(product, data, now)
    product.save()
    return product, False


_PRODUCT_FIELDS = [field for field in Product._meta.concrete_fields if not field.primary_key]


def _insert_unless_known(products: list[Product]) -> list[bool]:
    """INSERT ... ON CONFLICT DO NOTHING for all, in one statement (a savepoint around each plain
    INSERT would take three: the catalogue sync's cost is in its round trips). Per product: whether
    it was inserted (its pk set), or was known already."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _PRODUCT_FIELDS)
    row = f"({', '.join(['%s'] * len(_PRODUCT_FIELDS))})"
    sql = (
        f"INSERT INTO {quote(Product._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * len(products))} "
        f"ON CONFLICT ({quote('merchant_id')}, {quote('product_id')}) DO NOTHING "
        f"RETURNING {quote('id')}, {quote('product_id')}"
    )
    values = [
        field.get_db_prep_save(field.pre_save(product, True), connection)
        for product in products
        for field in _PRODUCT_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        ids = dict((product_id, pk) for pk, product_id in cursor.fetchall())
    for product in products:
        if product.product_id in ids:
            product.pk, product._state.adding = ids.pop(product.product_id), False
    return [not product._state.adding for product in products]


VARIANT_FIELDS = (
    "sku",
    "title",
    "options",
    "position",
    "price",
    "compare_at_price",
    "currency",
    "image_url",
    "inventory_item_id",
    "active",
    "source_updated_at",
)


def _variant_values(data: VariantInput, prices: dict, currency: str, updated_at) -> dict:
    return {
        "sku": data.sku.strip(),
        "title": data.title.strip(),
        "options": [{"name": name.strip(), "value": value.strip()} for name, value in data.options],
        "position": data.position,
        "price": prices["price"],
        "compare_at_price": prices["compare_at_price"],
        "currency": currency,
        "image_url": data.image_url.strip(),
        "inventory_item_id": data.inventory_item_id.strip(),
        "active": data.active,
        "source_updated_at": data.source_updated_at or updated_at,
    }


def _variant_apply(variant: Variant, values: dict, available: int | None) -> None:
    for name, value in values.items():
        setattr(variant, name, value)
    if not variant.stock_levels:  # once the shop sends per-location levels, they are the stock
        variant.available = available
    variant.updated_at = timezone.now()  # bulk_update does not set auto_now fields


def _new_variants(product: Product, data: ProductInput, prices: list[dict], currency: str) -> list[Variant]:
    variants = []
    for variant_data, variant_prices in zip(data.variants, prices, strict=True):
        variant = Variant(merchant_id=product.merchant_id, product=product, variant_id=variant_data.variant_id.strip())
        values = _variant_values(variant_data, variant_prices, currency, data.source_updated_at)
        _variant_apply(variant, values, variant_data.available)
        variants.append(variant)
    return variants


def _variants_write(product: Product, data: ProductInput, prices: list[dict], currency: str, *, new: bool) -> None:
    """Create, update and retire the product's variants with three statements at most."""
    if new:
        Variant.objects.bulk_create(_new_variants(product, data, prices, currency))
        return
    existing = {v.variant_id: v for v in Variant.objects.filter(product=product)}
    created, changed = [], []
    for variant_data, variant_prices in zip(data.variants, prices, strict=True):
        values = _variant_values(variant_data, variant_prices, currency, data.source_updated_at)
        variant = existing.pop(variant_data.variant_id.strip(), None)
        if variant is None:
            variant = Variant(
                merchant_id=product.merchant_id, product=product, variant_id=variant_data.variant_id.strip()
            )
            created.append(variant)
        else:
            changed.append(variant)
        _variant_apply(variant, values, variant_data.available)
    kept = set(data.other_variant_ids)
    for variant_id, variant in existing.items():
        if variant_id not in kept and variant.active:
            variant.active = False
            changed.append(variant)
    if created:
        Variant.objects.bulk_create(created)
    if changed:
        Variant.objects.bulk_update(changed, [*VARIANT_FIELDS, "available", "updated_at"])


def product_upsert(*, merchant: Merchant, data: ProductInput) -> tuple[Product, bool]:
    """Create or update a product and its variants by the shop's id. Returns (product, created).

    A version older than the stored one changes nothing and returns the stored product. Raises
    ProductValidationError, writing nothing, when any part of the input is wrong.
    """
    currency = (data.currency or merchant.currency).upper()
    prices = product_validate(data, currency=currency)
    # Without a savepoint of its own: the input is checked above, and a database error dooms the
    # caller's transaction anyway (a webhook delivery records its failure in a fresh one).
    with merchant_scope(merchant), transaction.atomic(savepoint=False):
        product, created = _product_write(merchant, data)
        if product is None:
            return _product_locked(merchant, data.external_id), False
        _variants_write(product, data, prices, currency, new=created)
    return product, created


def products_create_new(*, merchant: Merchant, inputs: list[ProductInput]) -> list[Product | None]:
    """Create the products among `inputs` that do not exist yet, with two statements for all of them.

    Writes what `product_upsert` would write for each, for a caller in a transaction (the webhook
    drain, for a burst of products/create). Returns, per input, the product created, or None for an
    input left to `product_upsert`: an invalid one (its errors are reported there), a known or
    repeated external id.
    """
    chosen, seen = {}, set()
    for index, data in enumerate(inputs):
        currency = (data.currency or merchant.currency).upper()
        if data.external_id in seen:
            continue
        seen.add(data.external_id)
        try:
            chosen[index] = (data, product_validate(data, currency=currency), currency)
        except ProductValidationError:
            continue
    created: list[Product | None] = [None] * len(inputs)
    if not chosen:
        return created
    now = timezone.now()
    with merchant_scope(merchant):
        products = {
            index: Product(merchant=merchant, product_id=data.external_id) for index, (data, *_) in chosen.items()
        }
        for index, product in products.items():
            _product_fields(product, chosen[index][0], now)
        inserted = _insert_unless_known(list(products.values()))
        variants = []
        for (index, product), new in zip(products.items(), inserted, strict=True):
            if new:
                variants += _new_variants(product, *chosen[index])
                created[index] = product
        Variant.objects.bulk_create(variants)
    return created


def variant_upsert(
    *, merchant: Merchant, product_external_id: str, data: VariantInput, currency: str = ""
) -> Variant | None:
    """Create or update one variant of a known product (a WooCommerce variation sent on its own).

    None when the product is not in the catalogue yet; ProductDeletedError when the shop deleted it;
    a version older than the stored variant changes nothing.
    """
    currency = (currency or merchant.currency).upper()
    errors: dict[str, str] = {}
    prices = _variant_check(errors, "variant", data, currency)
    if errors:
        raise ProductValidationError(errors)
    with merchant_scope(merchant), transaction.atomic():
        product = _product_locked(merchant, product_external_id)
        if product is None:
            return None
        if product.deleted_at is not None:
            raise ProductDeletedError(f"Product {product_external_id} was deleted in the shop.")
        variant = Variant.objects.select_for_update().filter(product=product, variant_id=data.variant_id).first()
        if variant is not None and _older(data.source_updated_at, variant.source_updated_at):
            return variant
        if variant is None:
            variant = Variant(merchant=merchant, product=product, variant_id=data.variant_id.strip())
        _variant_apply(variant, _variant_values(data, prices, currency, None), data.available)
        variant.save()
        product.synced_at = timezone.now()
        product.save(update_fields=["synced_at", "updated_at"])
    return variant


def product_delete(*, merchant: Merchant, external_id: str) -> Product | None:
    """The shop deleted the product: no longer for sale, its variants inactive; the row stays, for
    the orders and returns that name it. None when it was never in the catalogue."""
    now = timezone.now()
    with merchant_scope(merchant), transaction.atomic():
        product = _product_locked(merchant, external_id)
        if product is None or product.deleted_at is not None:
            return product
        product.for_sale, product.deleted_at, product.synced_at = False, now, now
        product.save(update_fields=["for_sale", "deleted_at", "synced_at", "updated_at"])
        Variant.objects.filter(product=product, active=True).update(active=False, updated_at=now)
    return product


def inventory_level_set(
    *, merchant: Merchant, inventory_item_id: str, location_id: str, available: int, updated_at: datetime | None
) -> int:
    """Stock of one inventory item at one location (Shopify inventory_levels/update).

    The variant's stock becomes the sum over its known locations; a level older than the one
    stored for that location changes nothing. Returns how many variants changed (0 when the item
    is unknown or the level stale).
    """
    if isinstance(available, bool) or not isinstance(available, int) or abs(available) >= STOCK_LIMIT:
        raise ProductValidationError({"available": "Give a whole number of units."})
    stamp = updated_at.isoformat() if updated_at else ""
    changed = []
    with merchant_scope(merchant), transaction.atomic():
        variants = Variant.objects.select_for_update().filter(merchant=merchant, inventory_item_id=inventory_item_id)
        for variant in variants:
            known = variant.stock_levels.get(location_id) or {}
            if stamp and known.get("updated_at") and _older(updated_at, datetime.fromisoformat(known["updated_at"])):
                continue
            variant.stock_levels = {**variant.stock_levels, location_id: {"available": available, "updated_at": stamp}}
            variant.available = sum(level["available"] for level in variant.stock_levels.values())
            variant.updated_at = timezone.now()
            changed.append(variant)
        Variant.objects.bulk_update(changed, ["stock_levels", "available", "updated_at"])
    return len(changed)


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
                source=Source.ORDERS,
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
