"""A return as the API, its events and outbound webhooks show it."""

from core.money import amount_str


def return_data(request) -> dict:
    currency = request.currency
    return {
        "id": request.pk,
        "rma": request.rma,
        "order_id": request.order_id,
        "status": request.status,
        "method": request.method,
        "resolution": request.resolution,
        "items": [
            {
                "line_item_id": item.line_item_id,
                "quantity": item.quantity,
                "reason": item.reason,
                "comment": item.comment,
                "inspection": item.inspection or None,
            }
            for item in request.items.all()
        ],
        "refund_amount": amount_str(request.refund_amount, currency),
        "fee": amount_str(request.fee, currency),
        "credit_amount": amount_str(request.credit_amount, currency),
        "bonus_amount": amount_str(request.bonus_amount, currency),
        "currency": currency,
        "exchange_order": exchange_order_data(request),
        "label_url": request.label_url or None,
        "qr_code_url": request.qr_code_url or None,
        "tracking_number": request.tracking_number or None,
        "rejection_reason": request.rejection_reason or None,
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat() if request.updated_at else None,
    }


def exchange_order_data(request) -> dict | None:
    """An exchange for another variant: the shop's exchange order once we have it (our order id), the new
    items and the difference a dearer one costs; None for the other resolutions."""
    if request.resolution != "exchange_variant":
        return None
    items = [
        {
            "line_item_id": item.line_item_id,
            "variant_id": item.exchange_variant.variant_id,
            "sku": item.exchange_variant.sku,
            "title": str(item.exchange_variant),
            "quantity": item.quantity,
            "unit_price": amount_str(item.exchange_unit_price, request.currency),
        }
        for item in request.items.all()
        if item.exchange_variant_id
    ]
    return {
        "id": request.exchange_order_id,
        "status": request.exchange_status or None,
        "items": items,
        # A dearer exchange: what the customer pays through the shop, and where, once the shop made the order.
        "amount_due": amount_str(request.exchange_due, request.currency),
        "payment_url": request.exchange_payment_url,
    }
