"""Personal data in shop actions: erased and exported with the rest (orders/privacy.py).

An action is the subject's when it is linked to one of their orders or customers. Its payload
and the shop's answer keep their shape, amounts, currencies, quantities and ids; what names or
reaches the person is blanked: the fields named in PERSONAL_KEYS, and everything inside the
address objects named in ADDRESS_KEYS, at any depth. Adapters and callers put personal data
under these names (docs/shop_actions.md).
"""

from django.db.models import Q

from .models import ShopAction

PERSONAL_KEYS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "name",
        "full_name",
        "phone",
        "company",
        "address1",
        "address2",
        "city",
        "province",
        "postal_code",
        "zip",
        "note",
        "customer_note",
        "message",
    }
)
ADDRESS_KEYS = frozenset({"address", "shipping_address", "billing_address"})
BATCH = 500


def personal_data_blanked(value, *, inside_address: bool = False):
    """A copy of `value` with personal text replaced by ""; numbers, booleans and other keys kept."""
    if isinstance(value, dict):
        return {
            key: ""
            if isinstance(item, str) and (inside_address or key in PERSONAL_KEYS)
            else personal_data_blanked(item, inside_address=inside_address or key in ADDRESS_KEYS)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [personal_data_blanked(item, inside_address=inside_address) for item in value]
    if isinstance(value, str) and inside_address:
        return ""
    return value


def _actions_of(subject):
    actions = ShopAction.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return actions
    return actions.filter(Q(order_id__in=subject.order_ids) | Q(customer_id__in=subject.customer_ids))


def erase_shop_actions(subject) -> int:
    """Blank personal data in the subject's actions. Returns how many actions changed."""
    changed = []
    for action in _actions_of(subject).only("pk", "payload", "result").iterator(chunk_size=BATCH):
        payload, result = personal_data_blanked(action.payload), personal_data_blanked(action.result)
        if (payload, result) != (action.payload, action.result):
            action.payload, action.result = payload, result
            changed.append(action)
    ShopAction.objects.bulk_update(changed, ["payload", "result"], batch_size=BATCH)
    return len(changed)


def export_shop_actions(subject) -> list[dict]:
    return [
        {
            "kind": action.kind,
            "platform": action.platform,
            "subject": action.subject,
            "status": action.status,
            "payload": action.payload,
            "result": action.result,
            "created_at": action.created_at.isoformat(),
            "completed_at": action.completed_at.isoformat() if action.completed_at else None,
        }
        for action in _actions_of(subject).order_by("created_at", "id")
    ]
