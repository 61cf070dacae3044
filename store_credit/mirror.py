"""Store credit mirrored in the shop (a Shopify gift card, a WooCommerce coupon…) through shop actions.

Every entry we make that changes what the customer can spend asks the shop to do the same, with one
action per entry (key `store_credit:<entry key>`) and this payload, which the platform adapters read:

    {"amount": "30.00", "currency": "EUR", "balance_after": "54.00", "code": "k3v9x2m7q1pa",
     "customer_external_id": "7001" or "", "email": "camille@example.org",
     "expires_on": "2027-12-04" or null, "note": "Store credit for return R-1042-1",
     "shop_reference": "gid://shopify/GiftCard/1" or ""}

`amount` is signed (a negative staff adjustment, a reversal, a spend in the portal take credit
away). The adapter answers {"shop_reference": "...", "code": "..."}: `mirror_finished` keeps them on
the wallet, so the next action names the same gift card or coupon. Spends the shop reports and
expiries are not sent: the shop made the first, and knows the second by `expires_on`.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from core.money import amount_str
from core.scoping import merchant_scope
from orders.models import Order
from shop_actions.adapters import MANUAL, platform_for
from shop_actions.models import ShopAction, ShopActionKind, ShopActionStatus
from shop_actions.services import shop_action_request

from .models import CODE_MAX_LENGTH, Entry, EntryKind, MirrorStatus, Source, Wallet

KEY_PREFIX = "store_credit:"


def mirrored(entry: Entry) -> bool:
    """Whether the shop must be asked to do the same: not when the shop did it (or undid it) itself."""
    if entry.kind in (EntryKind.ISSUED, EntryKind.ADJUSTED):
        return True
    return entry.kind in (EntryKind.SPENT, EntryKind.REVERSED) and entry.source != Source.SHOP


def _shop_platform(customer) -> str:
    """The platform of the customer's latest order: where their credit can be spent."""
    platform = (
        Order.objects.filter(merchant_id=customer.merchant_id, customer=customer)
        .order_by("-placed_at", "-id")
        .values_list("source_platform", flat=True)
        .first()
    )
    return platform or MANUAL


def _note(entry: Entry, language: str) -> str:
    if entry.note:
        return entry.note
    with translation.override(language):
        if entry.source_ref:
            return _("Store credit: %(source)s %(reference)s") % {
                "source": entry.get_source_display(),
                "reference": entry.source_ref,
            }
        return _("Store credit: %(source)s") % {"source": entry.get_source_display()}


def mirror_payload(entry: Entry) -> dict:
    wallet: Wallet = entry.wallet
    customer, merchant = wallet.customer, wallet.merchant
    expires_on = entry.expires_at.astimezone(merchant.tzinfo).date().isoformat() if entry.expires_at else None
    return {
        "amount": amount_str(entry.amount, wallet.currency),
        "currency": wallet.currency,
        "balance_after": amount_str(entry.balance_after, wallet.currency),
        "code": wallet.code,
        "customer_external_id": customer.external_id or "",
        "email": customer.email or "",
        "expires_on": expires_on,
        "note": _note(entry, merchant.default_language),
        "shop_reference": wallet.shop_reference or "",
    }


def mirror_request(entry: Entry) -> None:
    """Ask the shop to mirror `entry`, in the entry's transaction (the wallet's row is locked)."""
    wallet = entry.wallet
    shop_action_request(
        merchant=wallet.merchant,
        kind=ShopActionKind.STORE_CREDIT,
        platform=platform_for(wallet.merchant, _shop_platform(wallet.customer)),
        key=f"{KEY_PREFIX}{entry.key}",
        payload=mirror_payload(entry),
        subject=f"wallet:{wallet.pk}",  # shown to staff beside the order, as returns show "return:RMA-…"
        customer=wallet.customer,
    )
    if wallet.mirror_status != MirrorStatus.PENDING:
        wallet.mirror_status = MirrorStatus.PENDING
        wallet.save(update_fields=["mirror_status", "updated_at"])


def mirror_finished(action) -> None:
    """The shop did (or refused) an entry's action: keep its gift card or coupon on the wallet."""
    if not action.key.startswith(KEY_PREFIX):
        return
    with merchant_scope(action.merchant):
        entry = Entry.objects.filter(merchant_id=action.merchant_id, key=action.key[len(KEY_PREFIX) :]).first()
        if entry is None:
            return
        wallet = Wallet.objects.select_for_update().get(pk=entry.wallet_id)
        if action.status != ShopActionStatus.SUCCEEDED:
            wallet.mirror_status = MirrorStatus.FAILED
            wallet.save(update_fields=["mirror_status", "updated_at"])
            return
        result = action.result or {}
        reference = str(result.get("shop_reference") or "")[:255]
        code = str(result.get("code") or "").strip()
        if reference:
            wallet.shop_reference = reference
        if code and len(code) <= CODE_MAX_LENGTH and not _code_taken(wallet, code):
            wallet.code = code
        wallet.mirror_status = MirrorStatus.PENDING if _others_pending(action) else MirrorStatus.MIRRORED
        wallet.save(update_fields=["shop_reference", "code", "mirror_status", "updated_at"])


def _others_pending(action) -> bool:
    """Whether a later entry of the wallet still waits for the shop: the wallet is not in step yet."""
    waiting = (ShopActionStatus.PENDING, ShopActionStatus.WAITING_FOR_STAFF)
    return (
        ShopAction.objects.filter(merchant_id=action.merchant_id, subject=action.subject, status__in=waiting)
        .exclude(pk=action.pk)
        .exists()
    )


def _code_taken(wallet: Wallet, code: str) -> bool:
    return Wallet.objects.filter(merchant_id=wallet.merchant_id, code=code).exclude(pk=wallet.pk).exists()
