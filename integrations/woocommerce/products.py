"""WooCommerce's product.* webhooks (wire_formats_2 §3.4, §3.5) turned into catalogue service calls.

The payload is the REST product. A simple product is sold as itself: one variant with the product's
id. A variable product lists its variations by id only; their details come as deliveries of their own
(product.updated fires for a variation's edits too), recognised by their parent_id, and are written
under the parent. When a plugin embeds whole variations instead of ids, they are read at once.
"""

from catalogue.services import (
    ProductDeletedError,
    ProductInput,
    VariantInput,
    product_delete,
    product_upsert,
    variant_upsert,
)
from merchants.models import Merchant

from ..inbound import PayloadError, TransientError
from ..models import WebhookDelivery
from ..shopify.adapter import items, obj, text
from ..shopify.products import checked
from .adapter import SOURCE, gmt, optional_id, woo_id

Status = WebhookDelivery.Status


def _price_pair(payload: dict, prefix: str) -> tuple:
    """(price, compare-at price): on sale, the sale price and the regular one it replaces."""
    regular, sale = payload.get("regular_price"), payload.get("sale_price")
    price = payload.get("price")
    if price in (None, ""):
        price = sale if sale not in (None, "") else regular
    if price in (None, ""):
        raise PayloadError(f"{prefix}price is missing: a product or variation without a price cannot be sold.")
    on_sale = sale not in (None, "") and regular not in (None, "") and regular != price
    return price, regular if on_sale else None


def _stock(payload: dict, prefix: str) -> int | None:
    """Units in stock when the item manages its own stock; None otherwise ("parent": the product's)."""
    if payload.get("manage_stock") is not True:
        return None
    stock = payload.get("stock_quantity")
    if isinstance(stock, bool) or not isinstance(stock, int):
        raise PayloadError(f"{prefix}stock_quantity must be a whole number when manage_stock is true, not {stock!r}.")
    return stock


def _image(payload: dict) -> str:
    image = obj(payload, "image") or next(iter(items(payload, "images")), {})
    return text(image, "src")


def variation_input(variation: dict, *, prefix: str = "", position: int = 0) -> VariantInput:
    price, compare_at = _price_pair(variation, prefix)
    attributes = items(variation, "attributes")
    return VariantInput(
        variant_id=woo_id(variation.get("id"), f"{prefix}id"),
        sku=text(variation, "sku"),
        title=" / ".join(text(a, "option") for a in attributes if text(a, "option")),
        options=[(text(a, "name"), text(a, "option")) for a in attributes if text(a, "name") and text(a, "option")],
        price=price,
        compare_at_price=compare_at,
        image_url=_image(variation),
        available=_stock(variation, prefix),
        active=text(variation, "status") in ("", "publish"),
        position=position,
        source_updated_at=gmt(variation, "date_modified_gmt"),
    )


def _variants(payload: dict) -> tuple[list[VariantInput], list[str]]:
    """(variants read now, ids of variations whose details come on their own)."""
    if text(payload, "type") != "variable":
        return [variation_input(payload)], []
    listed = payload.get("variations")
    if not isinstance(listed, list):
        raise PayloadError("variations must be a list of variation ids or objects.")
    variants, ids = [], []
    for index, entry in enumerate(listed):
        if isinstance(entry, dict):
            variants.append(variation_input(entry, prefix=f"variations[{index}].", position=index + 1))
        else:
            ids.append(woo_id(entry, f"variations[{index}]"))
    return variants, ids


def product_input(payload: dict, *, merchant: Merchant, restored: bool = False) -> ProductInput:
    variants, other_ids = _variants(payload)
    categories = items(payload, "categories")
    return ProductInput(
        external_id=woo_id(payload["id"], "id"),
        source=SOURCE,
        title=text(payload, "name"),
        handle=text(payload, "slug"),
        product_type=text(categories[0], "name") if categories else "",
        tags=[text(tag, "name") for tag in items(payload, "tags") if text(tag, "name")],
        image_url=_image(payload),
        url=text(payload, "permalink"),
        for_sale=text(payload, "status") in ("", "publish"),
        source_updated_at=gmt(payload, "date_modified_gmt"),
        variants=variants,
        other_variant_ids=other_ids,
        restored=restored,
    )


def _is_variation(payload: dict) -> bool:
    return bool(optional_id(payload.get("parent_id"))) or text(payload, "type") == "variation"


def plain_product_input(payload: dict, *, merchant: Merchant) -> ProductInput | None:
    """The product a created or updated product's payload carries; None for a variation or a grouped product."""
    if _is_variation(payload) or text(payload, "type") == "grouped":
        return None
    return product_input(payload, merchant=merchant)


def handle_product(merchant: Merchant, topic: str, payload: dict) -> str | tuple[str, str]:
    if topic == "product.deleted":
        product = product_delete(merchant=merchant, external_id=woo_id(payload["id"], "id"))
        return Status.PROCESSED if product is not None else Status.IGNORED
    if text(payload, "type") == "grouped":
        return Status.IGNORED, "A grouped product is sold through the products it groups, which come on their own."
    if _is_variation(payload):
        return _variation(merchant, optional_id(payload.get("parent_id")), payload)
    data = product_input(payload, merchant=merchant, restored=topic == "product.restored")
    checked(lambda: product_upsert(merchant=merchant, data=data))
    return Status.PROCESSED


def _variation(merchant: Merchant, parent: str, payload: dict) -> str | tuple[str, str]:
    if not parent:
        raise PayloadError("A variation needs its parent_id.")
    data = variation_input(payload)
    try:
        variant = checked(lambda: variant_upsert(merchant=merchant, product_external_id=parent, data=data))
    except ProductDeletedError as exc:
        return Status.IGNORED, str(exc)
    if variant is None:
        # WooCommerce does not order deliveries: the parent product's may still be on its way.
        raise TransientError(f"Variation {data.variant_id}: its product {parent} has not been received yet.")
    return Status.PROCESSED
