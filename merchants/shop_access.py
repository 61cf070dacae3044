"""Access to the merchant's shop and providers' APIs: where to call (shown) and credentials (write-only).

Settings → Integrations, admins only. A credential is never shown again once saved: the page says
"set on <date>" or "not set"; an empty field keeps it, "Remove" clears it. Shop actions (refunds)
read them through credentials.credential_get, EasyPost labels too.
"""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.scoping import merchant_scope

from .credentials import Kind, credential_set
from .models import Merchant, ShopCredential

SHOPIFY_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
CREDENTIAL_MAX_LENGTH = 500


@dataclass(frozen=True)
class SecretField:
    name: str  # the form field
    kind: str  # ShopCredential.Kind
    label: str
    prefix: str = ""  # what the platform's values start with, checked to catch a key pasted in the wrong field


# Per platform: the address field on Merchant (if any) and its write-only credentials.
PLATFORMS = {
    "shopify": ("shopify_domain", [SecretField("admin_token", Kind.SHOPIFY_ADMIN_TOKEN, _("Admin API access token"))]),
    "woocommerce": (
        "woocommerce_url",
        [
            SecretField("consumer_key", Kind.WOOCOMMERCE_KEY, _("Consumer key"), "ck_"),
            SecretField("consumer_secret", Kind.WOOCOMMERCE_SECRET, _("Consumer secret"), "cs_"),
        ],
    ),
    "easypost": ("", [SecretField("api_key", Kind.EASYPOST_API_KEY, _("API key"))]),
}
PLATFORM_NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce", "easypost": "EasyPost"}


def _secret_widget():
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})


class ShopAccessForm(forms.Form):
    """One platform's access. Built for `platform`: its address field (if any) and its secrets."""

    platform = forms.ChoiceField(choices=[(p, p) for p in PLATFORMS], widget=forms.HiddenInput)
    remove = forms.BooleanField(label=_("Remove the stored credentials"), required=False)

    def __init__(self, *args, platform: str, merchant: Merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform_code = platform
        address, secrets = PLATFORMS[platform]
        self.address_field = address
        self.secrets = secrets
        self.fields["platform"].initial = platform
        if address == "shopify_domain":
            self.fields[address] = forms.CharField(
                label=_("Shop domain"),
                required=False,
                max_length=255,
                initial=merchant.shopify_domain,
                help_text=_("Your shop's myshopify.com address, e.g. maison-lumiere.myshopify.com."),
            )
        elif address == "woocommerce_url":
            self.fields[address] = forms.CharField(
                label=_("Site address"),
                required=False,
                max_length=255,
                initial=merchant.woocommerce_url,
                help_text=_("Your WordPress site's https:// address, e.g. https://shop.example.com."),
            )
        for secret in secrets:
            self.fields[secret.name] = forms.CharField(
                label=secret.label,
                required=False,
                max_length=CREDENTIAL_MAX_LENGTH,
                strip=True,
                widget=_secret_widget(),
                help_text=_("Leave empty to keep the stored value."),
            )
        self.order_fields(["platform", address, *(s.name for s in secrets), "remove"])

    def clean_shopify_domain(self):
        domain = self.cleaned_data["shopify_domain"].strip().lower()
        domain = re.sub(r"^https?://", "", domain).rstrip("/")
        if domain and not SHOPIFY_DOMAIN.match(domain):
            raise ValidationError(_("Enter the shop's myshopify.com domain, e.g. maison-lumiere.myshopify.com."))
        return domain

    def clean_woocommerce_url(self):
        url = self.cleaned_data["woocommerce_url"].strip().rstrip("/")
        if not url:
            return ""
        try:
            URLValidator(schemes=["https"])(url)
        except ValidationError:
            raise ValidationError(
                _("Enter the site's address starting with https:// (keys are only sent over HTTPS).")
            ) from None
        return url

    def clean(self):
        cleaned = super().clean()
        for secret in self.secrets:
            value = cleaned.get(secret.name, "")
            if any(char.isspace() for char in value):
                self.add_error(secret.name, _("This contains spaces or line breaks. Paste it exactly as shown."))
            elif value and secret.prefix and not value.startswith(secret.prefix):
                self.add_error(
                    secret.name,
                    _("This should start with “%(prefix)s”: check you pasted the right value.")
                    % {"prefix": secret.prefix},
                )
        if cleaned.get("remove") and any(cleaned.get(s.name) for s in self.secrets):
            self.add_error("remove", _("Either enter new values or remove the stored ones, not both."))
        return cleaned

    def save(self, merchant: Merchant) -> None:
        shop_access_save(
            merchant=merchant,
            platform=self.platform_code,
            address=self.cleaned_data.get(self.address_field) if self.address_field else None,
            secrets={s.kind: self.cleaned_data.get(s.name, "") for s in self.secrets},
            remove=bool(self.cleaned_data.get("remove")),
        )


@transaction.atomic
def shop_access_save(*, merchant: Merchant, platform: str, address: str | None, secrets: dict, remove: bool) -> None:
    """Save where to call the platform, replace the credentials given (empty: kept), or remove them all."""
    address_field = PLATFORMS[platform][0]
    if address_field and address is not None:
        setattr(merchant, address_field, address)
        merchant.save(update_fields=[address_field])
    for kind, value in secrets.items():
        if remove:
            credential_set(merchant, kind, "")
        elif value:
            credential_set(merchant, kind, value)


def credentials_set_on(merchant: Merchant) -> dict:
    """When each credential the merchant gave was last saved (never its value)."""
    with merchant_scope(merchant):
        return dict(ShopCredential.objects.filter(merchant=merchant).values_list("kind", "updated_at"))


def shop_access_sections(merchant: Merchant, failed: ShopAccessForm | None = None) -> list[dict]:
    """What the settings page shows per platform: its form and, per credential, since when it is set."""
    set_on = credentials_set_on(merchant)
    sections = []
    for platform, (_address, secrets) in PLATFORMS.items():
        form = failed if failed is not None and failed.platform_code == platform else None
        form = form or ShopAccessForm(platform=platform, merchant=merchant)
        form.auto_id = f"access-{platform}-%s"  # three forms on one page: keep element ids unique
        any_set = any(s.kind in set_on for s in secrets)
        if not any_set:
            del form.fields["remove"]  # nothing stored to remove
        sections.append(
            {
                "platform": platform,
                "name": PLATFORM_NAMES[platform],
                "form": form,
                "credentials": [{"label": s.label, "set_on": set_on.get(s.kind)} for s in secrets],
                "any_set": any_set,
            }
        )
    return sections
