"""Orders the demo's later stories add to the history: a referred friend's first order, an exchange order.

Written by the one order writer as history (`orders_write_new(past=True)`), with the lines of an order
the shop already had, so they carry real products, prices and pictures.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.money import amount_str
from orders.models import FinancialStatus, FulfillmentStatus, LineItem, Order
from orders.services import NewOrder, orders_write_new


@dataclass
class LaterOrder:
    external_id: str
    like: Order  # whose lines and address the new order takes
    placed_at: datetime
    customer: object = None  # orders.Customer; the `like` order's when None
    email: str = ""
    discount_codes: list = field(default_factory=list)
    exchange_for_rma: str = ""
    lines: list[LineItem] | None = None  # the `like` order's when None


def next_number(merchant) -> int:
    """The demo numbers its orders #1001 onwards without a gap: the next one follows the count."""
    return 1001 + Order.objects.filter(merchant=merchant).count()


def later_orders_write(merchant, later: list[LaterOrder]) -> list[Order]:
    number = next_number(merchant)
    new_orders = [_new_order(merchant, plan, f"#{number + index}") for index, plan in enumerate(later)]
    return orders_write_new(merchant=merchant, new_orders=new_orders, past=True)


def _new_order(merchant, plan: LaterOrder, number: str) -> NewOrder:
    like = plan.like
    customer = plan.customer or like.customer
    lines = plan.lines if plan.lines is not None else list(like.line_items.all())
    exchange = bool(plan.exchange_for_rma)
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
    discount = (subtotal * Decimal("0.10")).quantize(Decimal("0.01")) if plan.discount_codes else Decimal("0.00")
    total = Decimal("0.00") if exchange else subtotal - discount + like.shipping
    order = Order(
        merchant=merchant,
        external_id=plan.external_id,
        number=number,
        customer=customer,
        email=plan.email or (customer.email if customer else like.email),
        language=(customer.language if customer else "") or like.language,
        placed_at=plan.placed_at,
        source_updated_at=plan.placed_at,
        currency=like.currency,
        subtotal=Decimal("0.00") if exchange else subtotal,
        shipping=Decimal("0.00") if exchange else like.shipping,
        discount=discount,
        total=total,
        tax=(total / 6).quantize(Decimal("0.01")),
        financial_status=FinancialStatus.PAID,
        fulfillment_status=FulfillmentStatus.UNFULFILLED,
        # As orders_write_new stores what the shops report: each code with its amount and type.
        discount_codes=[
            {"code": code, "amount": amount_str(discount, like.currency), "type": "fixed_amount"}
            for code in plan.discount_codes
        ],
        exchange_for_rma=plan.exchange_for_rma,
        shipping_name=like.shipping_name if exchange else _name(customer, like),
        shipping_address1=like.shipping_address1,
        shipping_city=like.shipping_city,
        shipping_postal_code=like.shipping_postal_code,
        shipping_country=like.shipping_country,
        source_platform=like.source_platform,
        landing_site="/",
    )
    items = [
        LineItem(
            merchant=merchant,
            external_id=f"{plan.external_id}-{position}",
            sku=line.sku,
            product_id=line.product_id,
            variant_id=line.variant_id,
            title=line.title,
            variant_title=line.variant_title,
            quantity=line.quantity,
            unit_price=Decimal("0.00") if exchange else line.unit_price,
            product_type=line.product_type,
            tags=line.tags,
            image_url=line.image_url,
        )
        for position, line in enumerate(lines)
    ]
    return NewOrder(order, items)


def _name(customer, like: Order) -> str:
    if customer is None:
        return like.shipping_name
    return f"{customer.first_name} {customer.last_name}".strip() or customer.email
