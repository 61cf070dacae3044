"""Personal data in store credit: exported and erased with the rest (orders/privacy.py).

A wallet is the subject's when it is one of their customers'. The export holds each wallet and its
entries as the API shows them. Erasure anonymises: the notes staff wrote (which may name the person)
are blanked; amounts, balances, kinds and dates stay, because the ledger is the shop's accounts and
its balance must stay the sum of its entries. The customer row itself is anonymised by orders.
"""

from .models import Entry, Wallet
from .payloads import entry_fields, wallet_data


def _wallets_of(subject):
    wallets = Wallet.objects.filter(merchant=subject.merchant)
    return wallets if subject.whole_shop else wallets.filter(customer_id__in=subject.customer_ids)


def export_store_credit(subject) -> list[dict]:
    wallets = _wallets_of(subject).order_by("id").prefetch_related("entries")
    return [
        {
            **wallet_data(wallet),
            "entries": [
                entry_fields(entry, wallet.currency)
                for entry in sorted(wallet.entries.all(), key=lambda entry: (entry.created_at, entry.pk))
            ],
        }
        for wallet in wallets
    ]


def erase_store_credit(subject) -> int:
    entries = Entry.objects.filter(merchant=subject.merchant, wallet__in=_wallets_of(subject)).exclude(note="")
    return entries.update(note="")
