"""`{{ store_credit }}` in email templates: the credit an email is about, as plain strings.

    {{ store_credit.amount }} ("30,00 €")  {{ store_credit.balance }} ("54,00 €")
    {{ store_credit.code }}  {{ store_credit.expires_on }} ("4 décembre 2027", or "")
    {{ store_credit.amount_left }} (of an expiring credit)  {{ store_credit.url }} (the portal's credit page)

A store-credit email reads the entry its event named (the message's key, "store_credit:42" or
"store_credit:expiring:42"); an order's email reads the customer's largest balance.
"""

from decimal import Decimal

from django.conf import settings

from core.l10n import format_day, format_money
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from portal.links import customer_portal_url

from ..models import Entry, Wallet

EMPTY = {"amount": "", "balance": "", "code": "", "expires_on": "", "amount_left": "", "url": ""}


def store_credit_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "store_credit", value=order_value, sample=sample_value, customer_value=customer_value, empty=EMPTY
    )


def entry_id(anchor_key: str) -> int | None:
    last = anchor_key.rsplit(":", 1)[-1]
    return int(last) if anchor_key.startswith("store_credit:") and last.isdigit() else None


def customer_value(customer, anchor_key: str, language: str) -> dict:
    pk = entry_id(anchor_key)
    with merchant_scope(customer.merchant):
        entry = Entry.objects.select_related("wallet").filter(pk=pk, wallet__customer=customer).first() if pk else None
        if entry is None:
            wallet = Wallet.objects.filter(merchant=customer.merchant, customer=customer).order_by("-balance").first()
            return _wallet_value(wallet, customer, language) if wallet else dict(EMPTY)
        value = _wallet_value(entry.wallet, customer, language)
        currency = entry.wallet.currency
        value["amount"] = format_money(entry.amount, currency, language)
        if entry.expires_at:
            value["expires_on"] = format_day(entry.expires_at, language, customer.merchant.tzinfo)
        if anchor_key.startswith("store_credit:expiring:"):
            value["amount_left"] = format_money(_left(entry), currency, language)
        return value


def _left(credit: Entry) -> Decimal:
    from ..services import credit_left

    entries = list(credit.wallet.entries.order_by("created_at", "id"))
    return credit_left(entries).get(credit.pk, Decimal(0))


def _wallet_value(wallet: Wallet, customer, language: str) -> dict:
    return {
        **EMPTY,
        "balance": format_money(wallet.balance, wallet.currency, language),
        "code": wallet.code,
        "url": f"{customer_portal_url(customer, 'credit')}?lang={language}",
    }


def order_value(order, language: str) -> dict:
    if not order.customer_id:
        return dict(EMPTY)
    return customer_value(order.customer, "", language)


def sample_value(merchant, language: str) -> dict:
    fr = language == "fr"
    return {
        "amount": format_money(Decimal("30"), merchant.currency, language),
        "balance": format_money(Decimal("54"), merchant.currency, language),
        "code": "k3v9x2m7q1pa",
        "expires_on": "4 décembre 2027" if fr else "4 December 2027",
        "amount_left": format_money(Decimal("24"), merchant.currency, language),
        "url": f"{settings.SITE_URL}/credit/sample/?lang={language}",
    }
