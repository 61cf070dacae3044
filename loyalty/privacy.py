"""Personal data in loyalty: exported and erased with the rest (orders/privacy.py).

The export holds the subject's account and entries as the API shows them. Erasure anonymises: the
notes staff wrote (which may name the person) are blanked; points, balances, kinds and dates stay,
so every balance is still the sum of its entries. The customer row itself is anonymised by orders.
"""

from .models import Account, PointsEntry
from .payloads import account_data, entry_fields


def _accounts_of(subject):
    accounts = Account.objects.filter(merchant=subject.merchant)
    return accounts if subject.whole_shop else accounts.filter(customer_id__in=subject.customer_ids)


def export_loyalty(subject) -> list[dict]:
    accounts = _accounts_of(subject).order_by("id").prefetch_related("entries")
    return [
        {
            **account_data(account),
            "entries": [
                entry_fields(entry) for entry in sorted(account.entries.all(), key=lambda e: (e.created_at, e.pk))
            ],
        }
        for account in accounts
    ]


def erase_loyalty(subject) -> int:
    entries = PointsEntry.objects.filter(merchant=subject.merchant, account__in=_accounts_of(subject)).exclude(note="")
    return entries.update(note="")
