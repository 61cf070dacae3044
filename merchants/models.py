"""Tenancy: merchants, the staff who work for them, and the keys their shops use."""

import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel

LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français")]
TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the dashboard. May belong to several merchants."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Operator access to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.email


class Merchant(models.Model):
    """A shop that uses the platform: the tenant every other row belongs to."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Use lowercase letters, digits and dashes."))],
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Paris")
    default_language = models.CharField(_("default language"), max_length=8, choices=LANGUAGE_CHOICES, default="fr")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # Branding shown on customer pages and emails.
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    primary_color = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1f6feb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #1f6feb."))],
    )
    support_email = models.EmailField(_("support email"), blank=True)
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    sender_email = models.EmailField(_("sender address"), blank=True)
    website_url = models.URLField(_("shop website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


# Higher ranks include every right of the lower ones.
ROLE_RANK = {Role.VIEWER: 0, Role.AGENT: 1, Role.ADMIN: 2, Role.OWNER: 3}


def role_at_least(role, minimum):
    return ROLE_RANK[Role(role)] >= ROLE_RANK[Role(minimum)]


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "user"], name="membership_unique_user")]

    def __str__(self):
        return f"{self.user} @ {self.merchant} ({self.role})"

    def has_role(self, minimum):
        return role_at_least(self.role, minimum)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(TenantModel):
    """A shop's key for the REST API. Only its SHA-256 is stored; the key is shown once."""

    PREFIX = "pp_"

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    role = models.CharField(
        _("role"), max_length=16, choices=[c for c in Role.choices if c[0] != Role.OWNER], default=Role.ADMIN
    )
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def generate(cls):
        """Return (prefix, full key). High-entropy keys make a plain SHA-256 safe to store."""
        prefix = secrets.token_hex(4)
        return prefix, f"{cls.PREFIX}{prefix}_{secrets.token_urlsafe(32)}"

    @staticmethod
    def hash_key(key: str) -> str:
        return _digest(key)

    @property
    def is_active(self):
        return self.revoked_at is None


class Invitation(TenantModel):
    """An owner's invitation for a teammate; accepted through a signed link."""

    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def hash_token(token: str) -> str:
        return _digest(token)

    @property
    def is_pending(self):
        return self.accepted_at is None and self.expires_at > timezone.now()


class IntegrationSecret(TenantModel):
    """A shared secret for an inbound integration (Shopify, WooCommerce, AfterShip, EasyPost).

    Two may be active per provider during a rotation; both verify.
    """

    class Provider(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        WOOCOMMERCE = "woocommerce", "WooCommerce"
        AFTERSHIP = "aftership", "AfterShip"
        EASYPOST = "easypost", "EasyPost"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    # Kept in clear: an HMAC check needs the secret itself. Protect the database accordingly.
    secret = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "provider"])]


# --- Outbound webhooks ------------------------------------------------------------
# Event types, delivery and signing live in merchants/webhooks.py; docs/webhooks.md
# documents what receivers get.


class WebhookEndpoint(TenantModel):
    """A URL of the shop's where we POST our events, signed per Standard Webhooks."""

    class DisabledReason(models.TextChoices):
        MANUAL = "manual", _("Disabled by staff")
        FAILING = "failing", _("Disabled after failing for days")

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Subscriptions: exact types ("order.created"), families ("shipment.*") or "*" for all.
    event_types = models.JSONField(_("event types"), default=list)
    # `whsec_<base64>`. Kept in clear: signing needs the secret itself. Protect the database accordingly.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret also signs for a while, so receivers can switch over.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=16, choices=DisabledReason.choices, blank=True)
    disable_notified_at = models.DateTimeField(null=True, blank=True)  # owners emailed about this disabling
    # Start of the current run of failed attempts; cleared by any success.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["merchant", "is_active"])]

    def __str__(self):
        return self.url


class OutboundMessage(TenantModel):
    """One event for one endpoint: the exact body we sign and send, and its retry schedule.

    Unique per (endpoint, event), so publishing an event twice never sends it twice.
    `message_id` is the `webhook-id` header, the same on every attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    event = models.ForeignKey("orders.OrderEvent", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Attempts in the current round of automatic retries (a resend starts a new round).
    attempt_count = models.PositiveSmallIntegerField(default=0)
    # When the dispatcher may next pick it up; while claimed, the end of the claim's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    resend_requested = models.BooleanField(default=False)  # the next attempt was asked for by staff
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="outboundmessage_unique_endpoint_event")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="outboundmessage_due"),
            models.Index(fields=["merchant", "endpoint", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class OutboundAttempt(TenantModel):
    """One HTTP try of a message, kept for the delivery log."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    url = models.URLField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)  # at most 1 KB of the answer
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)
    manual = models.BooleanField(default=False, help_text="Started by a staff resend.")

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["attempted_at"])]

    def __str__(self):
        return f"{self.status_code or self.error} @ {self.attempted_at:%Y-%m-%d %H:%M}"
