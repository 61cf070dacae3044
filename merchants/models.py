"""Tenancy: merchants, the staff who work for them, and the keys their shops use."""

import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

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
    # Where we call the shop's admin API (refunds and other shop actions), with a ShopCredential.
    shopify_domain = models.CharField(_("Shopify shop domain"), max_length=255, blank=True)  # x.myshopify.com
    woocommerce_url = models.URLField(_("WooCommerce site address"), max_length=255, blank=True)  # https://...
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
    """A shared secret for an inbound integration (Shopify, WooCommerce, AfterShip, EasyPost, helpdesks).

    Two may be active per provider during a rotation; both verify.
    """

    class Provider(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        WOOCOMMERCE = "woocommerce", "WooCommerce"
        AFTERSHIP = "aftership", "AfterShip"
        EASYPOST = "easypost", "EasyPost"
        ZENDESK = "zendesk", "Zendesk"
        GORGIAS = "gorgias", "Gorgias"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    # Kept in clear: an HMAC check needs the secret itself. Protect the database accordingly.
    secret = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "provider"])]


class ShopCredential(TenantModel):
    """A credential we use to call a shop or a provider on the merchant's behalf, encrypted at rest.

    Encrypted with a key derived from SECRET_KEY and CREDENTIALS_SALT (SECRET_KEY_FALLBACKS still
    decrypt during a rotation). Write-only: pages and the API show that it is set, never its value.
    """

    class Kind(models.TextChoices):
        SHOPIFY_ADMIN_TOKEN = "shopify_admin_token", "Shopify Admin API access token"
        WOOCOMMERCE_KEY = "woocommerce_consumer_key", "WooCommerce REST consumer key"
        WOOCOMMERCE_SECRET = "woocommerce_consumer_secret", "WooCommerce REST consumer secret"
        EASYPOST_API_KEY = "easypost_api_key", "EasyPost API key"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    value = EncryptedCharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "kind"], name="shopcredential_one_per_kind")]
