"""Store credit: one wallet per customer and currency, and its append-only ledger (DESIGN.md, mechanism 10).

A wallet's `balance` is the sum of its entries, kept in the same transaction as each new entry
(services.py holds the wallet's row lock while it writes both). Entries are never edited nor
deleted: a correction is a new entry (reversed, adjusted). `expiry_reminded_at` is the one field
written after an entry is made, and it holds no amount.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantModel

MONEY = {"max_digits": 15, "decimal_places": 3}
CODE_MAX_LENGTH = 20


class CreditSettings(TenantModel):
    """A shop's store-credit settings: how long issued credit lasts (None: it never expires)."""

    expiry_months = models.PositiveSmallIntegerField(_("credit expires after (months)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="creditsettings_one_per_merchant")]


class MirrorStatus(models.TextChoices):
    NOT_MIRRORED = "not_mirrored", pgettext_lazy("store credit mirror", "Not in the shop yet")
    PENDING = "pending", pgettext_lazy("store credit mirror", "Being sent to the shop")
    MIRRORED = "mirrored", pgettext_lazy("store credit mirror", "In the shop")
    FAILED = "failed", pgettext_lazy("store credit mirror", "The shop refused it")


class Wallet(TenantModel):
    customer = models.ForeignKey("orders.Customer", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    balance = models.DecimalField(_("balance"), default=0, **MONEY)
    # What the customer types at checkout, made once per wallet; the shop's own code replaces it
    # when the shop answers with another one.
    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH)
    shop_reference = models.CharField(_("shop reference"), max_length=255, blank=True)  # gift card / coupon id
    mirror_status = models.CharField(
        _("in the shop"), max_length=16, choices=MirrorStatus.choices, default=MirrorStatus.NOT_MIRRORED
    )
    # Set when a spend the shop reported took the balance below zero: staff look at it and clear it
    # with an adjustment that brings the balance back to zero or more.
    overdrawn_at = models.DateTimeField(_("overdrawn since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "customer", "currency"], name="wallet_one_per_currency"),
            models.UniqueConstraint(fields=["merchant", "code"], name="wallet_unique_code"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.balance} {self.currency}"


class EntryKind(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("store credit", "Issued")
    SPENT = "spent", pgettext_lazy("store credit", "Spent")
    REVERSED = "reversed", pgettext_lazy("store credit", "Reversed")
    EXPIRED = "expired", pgettext_lazy("store credit", "Expired")
    ADJUSTED = "adjusted", pgettext_lazy("store credit", "Adjusted by staff")


class Source(models.TextChoices):
    RETURN = "return", pgettext_lazy("store credit source", "Return")
    EXCHANGE = "exchange", pgettext_lazy("store credit source", "Exchange")
    LOYALTY = "loyalty", pgettext_lazy("store credit source", "Loyalty")
    STAFF = "staff", pgettext_lazy("store credit source", "Staff")
    SHOP = "shop", pgettext_lazy("store credit source", "The shop")
    PORTAL = "portal", pgettext_lazy("store credit source", "Customer portal")
    EXPIRY = "expiry", pgettext_lazy("store credit source", "Expiry")


class Entry(TenantModel):
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)  # signed: credit added is positive
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_ref = models.CharField(_("reference"), max_length=120, blank=True)  # "R-1042-1", an order id…
    key = models.CharField(_("idempotency key"), max_length=200)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)  # issued credit only
    note = models.CharField(_("note"), max_length=500, blank=True)  # why (an adjustment's reason)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The entry a reversal undoes, or the issued credit an expiry ends: each at most once.
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal")
    # The entry a partial reversal gives back part of (a refund of part of an order paid with the gift
    # card): several parts may each undo some of it, never more than it was in all.
    reverses_part_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="part_reversals"
    )
    expires_credit = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="expiry"
    )
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="creditentry_unique_key"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="creditentry_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["wallet", "-created_at", "-id"], name="creditentry_history"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(kind="issued", expires_at__isnull=False),
                name="creditentry_expiring",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} ({self.key})"
