"""Personal data in returns: exported and erased with the rest (orders/privacy.py, docs/returns.md "Privacy").

A return is the subject's when it belongs to one of their orders or customers. The export holds each
return as the API shows it, what the shop told the customer about it, and the photos themselves
(base64 JPEGs: the export is one JSON document). Erasure deletes the photos (rows now, files once
the transaction commits), blanks what the customer wrote (item comments, in the returns and in
their order events) and keeps amounts, statuses, reasons and dates: the shop's accounts need them.
"""

import base64

from django.db.models import Q

from orders.models import OrderEvent

from .models import ReturnItem, ReturnNote, ReturnPhoto, ReturnRequest
from .payloads import return_data
from .photos import photos_delete
from .storage import photo_storage


def _returns_of(subject):
    returns = ReturnRequest.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return returns
    return returns.filter(Q(order_id__in=subject.order_ids) | Q(customer_id__in=subject.customer_ids))


def export_returns(subject) -> list[dict]:
    returns = _returns_of(subject).order_by("created_at", "id").prefetch_related("items__photos", "notes")
    return [
        {
            **return_data(the_return),
            "messages": _messages(the_return),
            "photos": [_photo_data(photo, item) for item in the_return.items.all() for photo in item.photos.all()],
        }
        for the_return in returns
    ]


def _messages(the_return) -> list[dict]:
    """What the shop told the customer: each move of the return, with its text (a rejection's reason).

    Staff's notes to each other (no status) are left out: the customer never saw them.
    """
    notes: list[ReturnNote] = the_return.notes.all()
    return [
        {"status": note.status, "text": note.text, "created_at": note.created_at.isoformat()}
        for note in notes
        if note.status
    ]


def _photo_data(photo: ReturnPhoto, item: ReturnItem) -> dict:
    try:
        with photo_storage.open(photo.file.name, "rb") as handle:
            content = base64.b64encode(handle.read()).decode("ascii")
    except OSError:
        content = None  # the file is gone: say so rather than fail the whole export
    return {
        "line_item_id": item.line_item_id,
        "filename": f"return-photo-{photo.pk}.jpg",
        "content_type": "image/jpeg",
        "width": photo.width,
        "height": photo.height,
        "created_at": photo.created_at.isoformat(),
        "content_base64": content,
    }


def erase_returns(subject) -> int:
    """Delete the subject's return photos and blank their comments. Returns how many rows changed."""
    returns = _returns_of(subject)
    photos = photos_delete(ReturnPhoto.objects.filter(merchant=subject.merchant, item__request__in=returns))
    items = (
        ReturnItem.objects.filter(merchant=subject.merchant, request__in=returns).exclude(comment="").update(comment="")
    )
    return photos + items + _erase_event_comments(subject.merchant, returns)


def _erase_event_comments(merchant, returns) -> int:
    """The return.* events copied each item's comment into their payload: blank it there too."""
    events = OrderEvent.objects.filter(
        merchant=merchant, order_id__in=returns.values("order_id"), kind__startswith="return."
    )
    changed = []
    for event in events.only("pk", "payload"):
        items = (event.payload or {}).get("items") or []
        if any(isinstance(item, dict) and item.get("comment") for item in items):
            event.payload = {**event.payload, "items": [{**item, "comment": ""} for item in items]}
            changed.append(event)
    OrderEvent.objects.bulk_update(changed, ["payload"], batch_size=500)
    return len(changed)
