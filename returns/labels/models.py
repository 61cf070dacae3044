"""The shop's label settings, parcel sizes per product type, and the label bought for each return."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel

CM = {
    "max_digits": 5,
    "decimal_places": 1,
    "validators": [MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("300"))],
}
GRAMS = {"validators": [MinValueValidator(1), MaxValueValidator(70000)]}


class Provider(models.TextChoices):
    NONE = "none", _("None: customers send the parcel themselves")
    EASYPOST = "easypost", "EasyPost"


class LabelSettings(TenantModel):
    """Which provider buys return labels, from which carriers, from which address, for what parcel."""

    provider = models.CharField(_("label provider"), max_length=16, choices=Provider.choices, default=Provider.NONE)
    # Carrier names as the provider's rates spell them (EasyPost: "USPS", "UPS", "FedEx"...); empty = any.
    carriers = models.JSONField(_("carriers"), default=list, blank=True)
    # The shop's address as on its outbound parcels: the provider turns it into the return's destination.
    address_name = models.CharField(_("name or company"), max_length=100, blank=True)
    address_street1 = models.CharField(_("street"), max_length=100, blank=True)
    address_street2 = models.CharField(_("street (line 2)"), max_length=100, blank=True)
    address_city = models.CharField(_("city"), max_length=100, blank=True)
    address_state = models.CharField(_("state or region"), max_length=40, blank=True)
    address_zip = models.CharField(_("postal code"), max_length=20, blank=True)
    address_country = models.CharField(_("country (2 letters)"), max_length=2, blank=True)
    address_phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The parcel a returned item travels in, unless its product type has its own size.
    parcel_length_cm = models.DecimalField(_("length (cm)"), default=Decimal(30), **CM)
    parcel_width_cm = models.DecimalField(_("width (cm)"), default=Decimal(20), **CM)
    parcel_height_cm = models.DecimalField(_("height (cm)"), default=Decimal(10), **CM)
    parcel_weight_g = models.PositiveIntegerField(_("weight of one item, packed (g)"), default=500, **GRAMS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="labelsettings_one_per_merchant")]


class ParcelSize(TenantModel):
    """Another parcel for the items of one product type (a coat needs a bigger box than a scarf)."""

    product_type = models.CharField(max_length=120)
    length_cm = models.DecimalField(**CM)
    width_cm = models.DecimalField(**CM)
    height_cm = models.DecimalField(**CM)
    weight_g = models.PositiveIntegerField(**GRAMS)

    class Meta:
        ordering = ["product_type"]
        constraints = [models.UniqueConstraint(fields=["merchant", "product_type"], name="parcelsize_one_per_type")]


class ReturnLabel(TenantModel):
    """The provider's side of a return's label: its shipment, kept from before the purchase.

    `shipment_id` is saved as soon as the provider creates the shipment and before it is bought, so a
    retried task or a worker that died mid-way looks the shipment up instead of buying a second label.
    A claim (token + lease) lets one worker at a time work on it.
    """

    request = models.OneToOneField("returns.ReturnRequest", on_delete=models.CASCADE, related_name="label")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    shipment_id = models.CharField(max_length=64, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=80, blank=True)
    bought_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
