"""What we ask of the shop: one row per action, sent by a worker with retries (see services.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantModel

from .adapters import message_in_active_language


class ShopActionKind(models.TextChoices):
    REFUND = "refund", pgettext_lazy("shop action", "Refund")
    STORE_CREDIT = "store_credit", pgettext_lazy("shop action", "Store credit or gift card")
    DISCOUNT_CODE = "discount_code", pgettext_lazy("shop action", "Discount code")
    EXCHANGE_ORDER = "exchange_order", pgettext_lazy("shop action", "Exchange order")


class ShopActionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("shop action", "Pending")
    SUCCEEDED = "succeeded", pgettext_lazy("shop action", "Done")
    FAILED = "failed", pgettext_lazy("shop action", "Failed")  # the shop refused, or we gave up retrying
    WAITING_FOR_STAFF = "waiting_for_staff", pgettext_lazy("shop action", "Waiting for staff")


class ShopAction(TenantModel):
    """One thing we ask of the merchant's shop, e.g. "refund 12.50 EUR on order #1042".

    `key` is the caller's idempotency key: unique per merchant, so asking twice makes one row,
    and passed to the shop's adapter on every attempt, so a retried call is not done twice there.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=ShopActionKind.choices)
    platform = models.CharField(_("platform"), max_length=32)  # the adapter's name: "shopify", "manual", ...
    key = models.CharField(_("key"), max_length=255)
    payload = models.JSONField(_("request"), default=dict)  # plain data: what we ask
    subject = models.CharField(_("for"), max_length=120, blank=True)  # shown to staff, e.g. "return:RMA-1042"
    # Whose data the payload holds: personal-data requests find the action through these.
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    customer = models.ForeignKey("orders.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=ShopActionStatus.choices, default=ShopActionStatus.PENDING
    )
    # Attempts in the current round of automatic retries (a staff retry starts a new round).
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the worker may next pick it up; while claimed, the end of the claim's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Why the last attempt did not succeed; for an action waiting for staff, what they have to do.
    last_error = models.CharField(_("last error"), max_length=500, blank=True)  # in the shop's language
    # The same error as the adapter gave it, {"message": English, "params": {...}}: read in each reader's language.
    error_message = models.JSONField(_("last error, to translate"), default=dict, blank=True)
    result = models.JSONField(_("shop's answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set when a person confirmed the action by hand (waiting for staff -> done).
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="shopaction_unique_merchant_key")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="shopaction_due"),
            models.Index(fields=["merchant", "-created_at", "-id"], name="shopaction_list"),
            models.Index(fields=["merchant", "status", "-created_at", "-id"], name="shopaction_list_by_status"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} ({self.status})"

    def error_text(self) -> str:
        """The last error in the active language when the adapter marked it for translation, else as stored."""
        if not self.error_message.get("message"):
            return self.last_error
        return message_in_active_language(self.error_message["message"], self.error_message.get("params") or {})
