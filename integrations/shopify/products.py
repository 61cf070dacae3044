"""Shopify's products/* and inventory_levels/update webhooks (wire_formats_2 §1.4, §1.5) turned into
catalogue service calls.

A product is read whole before anything is written: a missing or malformed variant fails the
delivery (PayloadError, shown to staff) and nothing of the product changes.
"""

from catalogue.services import (
    ProductInput,
    ProductValidationError,
    VariantInput,
    inventory_level_set,
    product_delete,
    product_upsert,
)
from merchants.models import Merchant

from ..inbound import PayloadError
from ..models import WebhookDelivery
from .adapter import SOURCE, items, obj, optional_id, quantity, shopify_id, text, timestamp

Status = WebhookDelivery.Status
# A product without options of its own has one variant titled "Default Title" under an option "Title".
DEFAULT_OPTION = ("Title", "Default Title")


def _option_names(payload: dict) -> list[str]:
    """The product's option names by position (option1, option2, option3); "Option N" if not sent."""
    names = ["Option 1", "Option 2", "Option 3"]
    for index, option in enumerate(items(payload, "options")):
        position = option.get("position", index + 1)
        if isinstance(position, int) and 1 <= position <= 3 and text(option, "name"):
            names[position - 1] = text(option, "name")
    return names


def _image_sources(payload: dict) -> dict[str, str]:
    return {str(image.get("id")): text(image, "src") for image in items(payload, "images") if image.get("id")}


def _variant_input(variant: dict, index: int, names: list[str], images: dict[str, str]) -> VariantInput:
    prefix = f"variants[{index}]"
    if variant.get("price") in (None, ""):
        raise PayloadError(f"{prefix}.price is missing: every variant needs its price.")
    options = [
        (names[n], text(variant, f"option{n + 1}"))
        for n in range(3)
        if text(variant, f"option{n + 1}") and (names[n], text(variant, f"option{n + 1}")) != DEFAULT_OPTION
    ]
    stock = variant.get("inventory_quantity")
    tracked = stock is not None and variant.get("inventory_management", "shopify") is not None
    position = variant.get("position")
    return VariantInput(
        variant_id=shopify_id(variant.get("id"), f"{prefix}.id"),
        title=text(variant, "title") if text(variant, "title") != DEFAULT_OPTION[1] else "",
        sku=text(variant, "sku"),
        options=options,
        price=variant["price"],
        compare_at_price=variant.get("compare_at_price"),
        image_url=images.get(str(variant.get("image_id")), ""),
        available=quantity(stock, f"{prefix}.inventory_quantity") if tracked else None,
        inventory_item_id=optional_id(variant.get("inventory_item_id"), f"{prefix}.inventory_item_id"),
        position=position if isinstance(position, int) and 0 <= position < 2**31 else index + 1,
        source_updated_at=timestamp(variant, "updated_at"),
    )


def product_input(payload: dict, *, merchant: Merchant) -> ProductInput:
    listed = items(payload, "variants")
    if not listed:
        raise PayloadError("The product has no variants: a product payload must list them (check include_fields).")
    names, images = _option_names(payload), _image_sources(payload)
    variants = [_variant_input(v, i, names, images) for i, v in enumerate(listed)]
    handle = text(payload, "handle")
    site = (merchant.website_url or "").rstrip("/")
    image = obj(payload, "image") or next(iter(items(payload, "images")), {})
    status = text(payload, "status") or "active"
    return ProductInput(
        external_id=shopify_id(payload["id"], "id"),
        source=SOURCE,
        title=text(payload, "title"),
        handle=handle,
        product_type=text(payload, "product_type"),
        tags=[tag.strip() for tag in text(payload, "tags").split(",") if tag.strip()],
        image_url=text(image, "src"),
        url=f"{site}/products/{handle}" if site and handle else "",
        for_sale=status == "active",
        source_updated_at=timestamp(payload, "updated_at"),
        variants=variants,
    )


def checked(call):
    """Run a catalogue service call; its validation errors become the delivery's PayloadError."""
    try:
        return call()
    except ProductValidationError as exc:
        raise PayloadError(f"Invalid product: {exc}") from exc


def handle_product(merchant: Merchant, topic: str, payload: dict) -> str:
    if topic == "products/delete":
        product = product_delete(merchant=merchant, external_id=shopify_id(payload["id"], "id"))
        return Status.PROCESSED if product is not None else Status.IGNORED
    data = product_input(payload, merchant=merchant)
    checked(lambda: product_upsert(merchant=merchant, data=data))
    return Status.PROCESSED


def handle_inventory_level(merchant: Merchant, payload: dict) -> str | tuple[str, str]:
    item_id = shopify_id(payload["inventory_item_id"], "inventory_item_id")
    if payload.get("available") is None:
        return Status.IGNORED, "No available quantity in this level: nothing to change."
    changed = checked(
        lambda: inventory_level_set(
            merchant=merchant,
            inventory_item_id=item_id,
            location_id=shopify_id(payload["location_id"], "location_id"),
            available=quantity(payload["available"], "available"),
            updated_at=timestamp(payload, "updated_at"),
        )
    )
    if not changed:
        return Status.IGNORED, f"No variant with inventory item {item_id} needs this level (unknown, or older)."
    return Status.PROCESSED
