"""Returns: a shop's return policy and the returns its customers ask for (docs/returns.md)."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import minor_unit
from core.scoping import TenantModel

from .storage import photo_storage_get

MONEY = {"max_digits": 15, "decimal_places": 3}


class WindowStart(models.TextChoices):
    DELIVERY = "delivery", _("Delivery (else shipping, else the order date)")
    FULFILLMENT = "fulfillment", _("Shipping (else the order date)")
    ORDER = "order", _("The order date")


class Method(models.TextChoices):
    LABEL = "label", _("Prepaid label")
    QR_DROPOFF = "qr_dropoff", _("QR code drop-off")
    SHIP_YOURSELF = "ship_yourself", _("Ship it yourself")
    KEEP_IT = "keep_it", _("Keep the item")


class Resolution(models.TextChoices):
    REFUND = "refund", _("Refund to the original payment")
    STORE_CREDIT = "store_credit", _("Store credit")
    SHOP_NOW = "shop_now", _("Exchange for another item")
    EXCHANGE_VARIANT = "exchange_variant", _("Exchange for another size or colour")


# Resolutions paid in store credit (with the policy's bonus, without the return fee).
CREDIT_RESOLUTIONS = (Resolution.STORE_CREDIT, Resolution.SHOP_NOW)


class ExchangeShips(models.TextChoices):
    """When an exchange's new item is ordered in the shop (docs/returns.md, "Exchanges")."""

    RECEIVED = "received", _("When the return is received")
    FIRST_SCAN = "first_scan", _("When the carrier first scans the return parcel")
    INSTANT = "instant", _("At once, when the return is approved (instant exchange)")


class ExchangeStatus(models.TextChoices):
    NONE = "", _("No exchange")
    RESERVED = "reserved", _("New item reserved")
    REQUESTED = "requested", _("Being ordered")
    AWAITING_PAYMENT = "unpaid", _("Waiting for the customer to pay the difference")
    CREATED = "created", _("Exchange order created")
    SHIPPED = "sent", _("Exchange shipped")
    SOLD_OUT = "sold_out", _("New item sold out")


class BonusKind(models.TextChoices):
    FLAT = "flat", _("A flat amount")
    PERCENT = "percent", _("A percentage of the items")


class Reason(models.TextChoices):
    TOO_SMALL = "too_small", _("Too small")
    TOO_BIG = "too_big", _("Too big")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    ARRIVED_LATE = "arrived_late", _("Arrived too late")
    OTHER = "other", _("Other")


class Inspection(models.TextChoices):
    AS_EXPECTED = "as_expected", _("As expected")
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    MISSING = "missing", _("Missing")


class ReturnPolicy(TenantModel):
    """The shop's default policy; `ReturnRule`s override it for some products.

    `enabled` off keeps every setting: customers are offered returns again as they were when it is
    switched back on. `fee` is what a refund pays for the way back; a resolution added later gets
    its own fee field, chosen by `fee_for`.
    """

    enabled = models.BooleanField(_("offer returns to customers"), default=True)
    window_days = models.PositiveIntegerField(_("return window (days)"), default=30)
    window_start = models.CharField(
        _("counted from"), max_length=12, choices=WindowStart.choices, default=WindowStart.DELIVERY
    )
    methods = models.JSONField(_("return methods"), default=list)  # Method codes the shop offers
    fee = models.DecimalField(_("return shipping fee deducted from refunds"), default=Decimal(0), **MONEY)
    keep_it_below = models.DecimalField(_("let customers keep items worth less than"), null=True, blank=True, **MONEY)
    excluded_discount_percent = models.PositiveIntegerField(
        _("items discounted by at least (%) are not returnable"), null=True, blank=True
    )
    return_address = models.TextField(_("return address"), blank=True, max_length=1000)
    returns_per_year = models.PositiveIntegerField(_("returns per customer per 12 months"), null=True, blank=True)
    auto_approve = models.BooleanField(_("approve requests automatically"), default=False)
    auto_approve_below = models.DecimalField(_("only for orders below"), null=True, blank=True, **MONEY)
    auto_approve_max_returns = models.PositiveIntegerField(
        _("only for customers with fewer returns in 12 months than"), null=True, blank=True
    )
    # Orders placed from `holiday_from` to `holiday_to` (the shop's days) may be returned until `holiday_until`.
    holiday_from = models.DateField(_("holiday orders placed from"), null=True, blank=True)
    holiday_to = models.DateField(_("holiday orders placed until"), null=True, blank=True)
    holiday_until = models.DateField(_("holiday orders returnable until"), null=True, blank=True)
    countries = models.JSONField(_("countries returns are accepted from"), default=list, blank=True)  # ISO codes
    blocked_emails = models.JSONField(_("emails always reviewed by staff"), default=list, blank=True)
    # A return parcel the carrier reports delivered counts as received (no staff scan needed).
    received_on_delivery = models.BooleanField(_("mark returns received when the carrier delivers them"), default=False)
    # Resolution codes offered to customers, in the order they are shown (the first is chosen by default).
    resolutions = models.JSONField(_("resolutions offered"), default=list)
    credit_bonus_kind = models.CharField(
        _("store credit bonus"), max_length=8, choices=BonusKind.choices, default=BonusKind.FLAT
    )
    credit_bonus = models.DecimalField(_("bonus"), default=Decimal(0), **MONEY)  # an amount, or a percentage
    # Exchanges for another variant: when the new item is ordered; "instant" only for customers with fewer
    # returns in 12 months than `exchange_instant_max_returns` (the others wait for the return to be received).
    exchange_ships = models.CharField(
        _("exchange ships"), max_length=12, choices=ExchangeShips.choices, default=ExchangeShips.RECEIVED
    )
    exchange_instant_max_returns = models.PositiveIntegerField(
        _("instant exchange only for customers with fewer returns in 12 months than"), null=True, blank=True
    )
    # A dearer variant: offered only when the shop allows it, the customer paying the difference through the
    # shop (the exchange order is made with that amount due), up to `exchange_dearer_max` when set.
    exchange_dearer = models.BooleanField(_("offer dearer variants, the customer paying the difference"), default=False)
    exchange_dearer_max = models.DecimalField(
        _("largest difference a customer may pay"), null=True, blank=True, **MONEY
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="returnpolicy_one_per_merchant")]

    def fee_for(self, resolution: str) -> Decimal:
        """The return shipping fee the customer pays for a resolution: refunds pay it, store credit does not."""
        return Decimal(0) if resolution in CREDIT_RESOLUTIONS else self.fee

    def offered_resolutions(self) -> list[str]:
        """What customers may choose, in the shop's order; a refund when the shop chose nothing yet."""
        return [code for code in self.resolutions or [] if code in Resolution.values] or [Resolution.REFUND]

    def offered_to(self, order) -> list[str]:
        """What this order's customer is offered: store credit needs a customer (the wallet is theirs), so a
        guest order gets a refund only."""
        offered = [code for code in self.offered_resolutions() if code not in CREDIT_RESOLUTIONS or order.customer_id]
        return offered or [Resolution.REFUND]

    def bonus_for(self, resolution: str, items_amount: Decimal, currency: str) -> Decimal:
        """The bonus store credit adds to the items' value: flat, or a percentage rounded half up to the currency."""
        if resolution not in CREDIT_RESOLUTIONS or not self.credit_bonus:
            return Decimal(0)
        if self.credit_bonus_kind == BonusKind.PERCENT:
            return (items_amount * self.credit_bonus / 100).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)
        return self.credit_bonus

    def email_blocked(self, *emails: str) -> bool:
        """One of the addresses is listed, exactly or by its domain (`@example.com`)."""
        listed = {entry.lower() for entry in self.blocked_emails or []}
        for email in filter(None, (e.strip().lower() for e in emails)):
            if email in listed or "@" + email.rpartition("@")[2] in listed:
                return True
        return False


class ReturnRule(TenantModel):
    """For products of a type, with a tag or a SKU: another window, or not returnable at all."""

    class Match(models.TextChoices):
        PRODUCT_TYPE = "product_type", _("Product type")
        TAG = "tag", _("Tag")
        SKU = "sku", _("SKU")

    match = models.CharField(max_length=12, choices=Match.choices)
    value = models.CharField(max_length=120)
    final_sale = models.BooleanField(_("final sale: not returnable"), default=False)
    window_days = models.PositiveIntegerField(_("return window (days)"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One rule per product type, tag or SKU (matched without regard to case): two submits add one.
            models.UniqueConstraint("merchant", "match", Lower("value"), name="returnrule_one_per_value"),
        ]


class ReturnReason(TenantModel):
    """A reason the shop's customers may choose; the built-in `Reason`s are copied in first (reasons.py)."""

    code = models.SlugField(_("code"), max_length=40)  # what return items, the API and exports carry
    label_en = models.CharField(_("label in English"), max_length=80)
    label_fr = models.CharField(_("label in French"), max_length=80)
    photo_required = models.BooleanField(_("photo required"), default=False)
    comment_required = models.BooleanField(_("comment required"), default=False)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "code"], name="returnreason_unique_code")]


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("return status", "Requested")
    APPROVED = "approved", pgettext_lazy("return status", "Approved")
    REJECTED = "rejected", pgettext_lazy("return status", "Rejected")
    IN_TRANSIT = "in_transit", pgettext_lazy("return status", "On its way back")
    RECEIVED = "received", pgettext_lazy("return status", "Received")
    RESOLVED = "resolved", pgettext_lazy("return status", "Resolved")
    CLOSED = "closed", pgettext_lazy("return status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("return status", "Cancelled")


OPEN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED)
# Statuses whose items count as given back: they are no longer returnable.
COUNTED_STATUSES = (*OPEN_STATUSES, ReturnStatus.RESOLVED, ReturnStatus.CLOSED)


class ReturnRequest(TenantModel):
    rma = models.CharField(max_length=32)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="returns")
    customer = models.ForeignKey(
        "orders.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    status = models.CharField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    method = models.CharField(max_length=16, choices=Method.choices)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, default=Resolution.REFUND)
    currency = models.CharField(max_length=3)
    items_amount = models.DecimalField(**MONEY)  # what the items were charged, discounts shared out
    fee = models.DecimalField(**MONEY)
    refund_amount = models.DecimalField(**MONEY)
    # Store credit resolutions: the credit given (items + bonus, no fee), its bonus part, and the ledger entry once issued.
    credit_amount = models.DecimalField(default=Decimal(0), **MONEY)
    bonus_amount = models.DecimalField(default=Decimal(0), **MONEY)
    # The resolutions the customer could choose from when asking (the exchange conversion's denominator);
    # empty for returns made in the shop's admin and those asked before it was recorded.
    offered_resolutions = models.JSONField(default=list, blank=True)
    credit_entry = models.ForeignKey(
        "store_credit.Entry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    # The way back, once approved: a prepaid label or a drop-off QR code, and the parcel's tracking number.
    label_url = models.URLField(max_length=1000, blank=True)
    qr_code_url = models.URLField(max_length=1000, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    # The parcel coming back, tracked by tracking (a Shipment with direction "return"): returns/parcels.py.
    shipment = models.ForeignKey(
        "tracking.Shipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label_error = models.CharField(max_length=500, blank=True)  # the label provider's last refusal, for staff
    # Resolving asks the shop for the refund (a shop action); once it is done, the refund as the order records it.
    refund_action = models.ForeignKey(
        "shop_actions.ShopAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refund = models.ForeignKey("orders.Refund", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the form was submitted with: a second submit of the same form finds this return.
    submission_key = models.CharField(max_length=64, blank=True)
    # A return made in the shop's own admin (Shopify): its id there, one return here per return there;
    # and whether its items are still unknown (the shop could not be asked): staff fill them in.
    shop_return_id = models.CharField(max_length=64, blank=True)
    items_unknown = models.BooleanField(default=False)
    # An exchange for another variant (returns/exchanges.py): where it stands, the shop action that orders
    # the new items, and that order once the shop sent it to us (Order.exchange_for_rma is this RMA).
    exchange_status = models.CharField(max_length=10, choices=ExchangeStatus.choices, blank=True, default="")
    exchange_action = models.ForeignKey(
        "shop_actions.ShopAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exchange_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchange_of"
    )
    # A dearer exchange: the difference the customer pays in the shop, and where (the shop's checkout link for
    # the exchange order, once made). The exchange order counts only once the shop reports it paid.
    exchange_due = models.DecimalField(default=Decimal(0), **MONEY)
    exchange_payment_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "rma"], name="returnrequest_unique_rma"),
            models.UniqueConstraint(
                fields=["merchant", "shop_return_id"],
                condition=~models.Q(shop_return_id=""),
                name="returnrequest_unique_shop_return",
            ),
            models.UniqueConstraint(
                fields=["merchant", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="returnrequest_unique_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "created_at"]),
            models.Index(fields=["merchant", "order"]),
        ]

    def __str__(self):
        return self.rma


class ReturnItem(TenantModel):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="items")
    line_item = models.ForeignKey("orders.LineItem", on_delete=models.CASCADE, related_name="return_items")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=40)
    comment = models.TextField(blank=True, max_length=2000)
    amount = models.DecimalField(**MONEY)  # this line's share of items_amount
    inspection = models.CharField(max_length=12, choices=Inspection.choices, blank=True)
    # Exchange for another variant: the one chosen, and its price when the customer confirmed.
    exchange_variant = models.ForeignKey(
        "catalogue.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exchange_unit_price = models.DecimalField(null=True, blank=True, **MONEY)

    class Meta:
        ordering = ["id"]


class ReturnNote(TenantModel):
    """Who did what and when: every transition and every staff note of a return."""

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey("merchants.User", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, blank=True)  # the status moved to, if a transition
    text = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


def _photo_path(photo, filename):
    # Never the customer's file name: a random one, under the shop's folder.
    return f"{photo.merchant_id}/{uuid.uuid4().hex}.jpg"


class ReturnPhoto(TenantModel):
    """A customer's photo of a returned item, re-encoded as a JPEG without metadata (returns/photos.py)."""

    item = models.ForeignKey(ReturnItem, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(storage=photo_storage_get, upload_to=_photo_path, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


# Label models live with the label code; imported here so Django finds them as this app's models.
from .labels.models import LabelSettings, ParcelSize, ReturnLabel  # noqa: E402, F401
