"""Where "where is my order?" contacts arrive from helpdesks, and the shop's baseline before going live.

The tracking page's own contact form stays in tracking (`tracking.models.WismoContact`): every one
of those is a WISMO contact about a known order, and support reads them; this app keeps what
arrives from elsewhere (Zendesk, Gorgias, the REST API) and the weeks imported as the baseline.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel

SUBJECT_LIMIT = 200


class ContactSource(models.TextChoices):
    ZENDESK = "zendesk", "Zendesk"
    GORGIAS = "gorgias", "Gorgias"
    API = "api", _("REST API")


class SupportContact(TenantModel):
    """One helpdesk ticket, unique per shop, source and the helpdesk's own id: a redelivery adds nothing.

    No message body is kept: the subject (cut short) and the tags are enough to show staff why the
    ticket was or was not counted; the first message is read to classify it and then dropped.
    """

    # The unique constraint and the index both lead with the merchant: no index of its own.
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=False)
    source = models.CharField(max_length=16, choices=ContactSource.choices)
    external_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(help_text="When the customer opened the ticket, as the helpdesk says.")
    received_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=SUBJECT_LIMIT, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_wismo = models.BooleanField()
    # Why it is (or is not) counted: "tag:where-is-my-order", "keyword:colis", "given", "no rule matched".
    wismo_reason = models.CharField(max_length=120, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="support_contacts"
    )
    customer = models.ForeignKey(
        "orders.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="support_contacts"
    )
    matched_by = models.CharField(max_length=16, blank=True)  # order_number, email, or ""

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "source", "external_id"], name="supportcontact_unique")
        ]
        indexes = [models.Index(fields=["merchant", "created_at"])]

    def __str__(self):
        return f"{self.source} {self.external_id}"


class WismoRules(TenantModel):
    """The shop's own rules for what counts as WISMO; a shop without a row uses the defaults."""

    merchant = models.OneToOneField("merchants.Merchant", on_delete=models.CASCADE, related_name="wismo_rules")
    tags = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class BaselineWeek(TenantModel):
    """One week before going live, from the shop's helpdesk reports (CSV import)."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=False)
    week = models.DateField(help_text="The Monday the week starts on.")
    wismo_tickets = models.PositiveIntegerField()
    orders_shipped = models.PositiveIntegerField()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["week"]
        constraints = [models.UniqueConstraint(fields=["merchant", "week"], name="baselineweek_unique")]
