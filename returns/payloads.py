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
        "label_url": request.label_url or None,
        "qr_code_url": request.qr_code_url or None,
        "tracking_number": request.tracking_number or None,
        "rejection_reason": request.rejection_reason or None,
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat() if request.updated_at else None,
    }
