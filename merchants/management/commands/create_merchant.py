"""Operator command: create a tenant, its owner and a first API key in one transaction.

    python manage.py create_merchant --name "My Shop" --slug my-shop \\
        --owner-email me@example.com --owner-password '…' [--shopify-secret …] --json

Any bad argument stops the command with a message on stderr and exit status 1, and
nothing is written.
"""

import json
import zoneinfo

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from core.money import is_currency_code
from merchants.models import LANGUAGE_CHOICES, IntegrationSecret, Merchant, Role, User
from merchants.services import api_key_issue, integration_secret_set, merchant_create

LANGUAGES = [code for code, _label in LANGUAGE_CHOICES]


class Command(BaseCommand):
    help = "Create a merchant with its owner and an API key (shown once)."

    def add_arguments(self, parser):
        # Required options are checked in handle() so that every mistake exits with status 1.
        parser.add_argument("--name", help="Shop name shown to staff and customers.")
        parser.add_argument("--slug", help="Lowercase letters, digits and dashes; used in webhook URLs.")
        parser.add_argument("--owner-email", help="The owner's login. An existing user becomes owner.")
        parser.add_argument("--owner-password", help="Required when the owner is a new user.")
        parser.add_argument("--shopify-secret", help="Shared secret that signs the shop's Shopify webhooks.")
        parser.add_argument("--woocommerce-secret", help="Secret that signs the shop's WooCommerce webhooks.")
        parser.add_argument("--time-zone", default="Europe/Paris", help="IANA time zone (default Europe/Paris).")
        parser.add_argument("--language", default="fr", help=f"Default customer language: {', '.join(LANGUAGES)}.")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")
        parser.add_argument("--api-key-name", default="Default", help="Label of the first API key.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a summary.")

    def handle(self, *args, **options):
        values = self._validated(options)
        try:
            with transaction.atomic():
                result = self._create(values)
        except ValidationError as exc:
            raise CommandError(_validation_message(exc)) from exc
        except IntegrityError as exc:  # a concurrent run took the slug between our check and the insert
            raise CommandError(f"Could not create the merchant: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self._print_summary(result)

    def _validated(self, options) -> dict:
        missing = [f"--{key.replace('_', '-')}" for key in ("name", "slug", "owner_email") if not options[key]]
        if missing:
            raise CommandError(f"Missing required option(s): {', '.join(missing)}.")
        errors = []
        name = options["name"].strip()
        slug = options["slug"].strip()
        email = options["owner_email"].strip().lower()
        if not name:
            errors.append("--name must not be blank.")
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"--owner-email {email!r} is not a valid email address.")
        try:
            Merchant._meta.get_field("slug").clean(slug, None)
        except ValidationError as exc:
            errors.append(f"--slug {slug!r} is not valid: " + " ".join(exc.messages))
        if Merchant.objects.filter(slug=slug).exists():
            errors.append(f"--slug {slug!r} is already used by another merchant; choose another.")
        if options["time_zone"] not in zoneinfo.available_timezones():
            errors.append(f"--time-zone {options['time_zone']!r} is not an IANA time zone such as Europe/Paris.")
        if options["language"] not in LANGUAGES:
            errors.append(f"--language must be one of {', '.join(LANGUAGES)}, not {options['language']!r}.")
        currency = options["currency"].upper()
        if not is_currency_code(currency):
            errors.append(f"--currency {options['currency']!r} is not an ISO 4217 currency code such as EUR.")
        for flag in ("shopify_secret", "woocommerce_secret"):
            if options[flag] is not None and not options[flag].strip():
                errors.append(f"--{flag.replace('_', '-')} must not be blank.")
        owner_exists = User.objects.filter(email__iexact=email).exists()
        password = options["owner_password"]
        if not owner_exists:
            if not password:
                errors.append("--owner-password is required: no user has this email yet.")
            else:
                try:
                    validate_password(password, user=User(email=email))
                except ValidationError as exc:
                    errors.append("--owner-password is too weak: " + " ".join(exc.messages))
        if errors:
            raise CommandError("\n".join(errors))
        return {
            "name": name,
            "slug": slug,
            "owner_email": email,
            "owner_password": None if owner_exists else password,
            "owner_created": not owner_exists,
            "time_zone": options["time_zone"],
            "default_language": options["language"],
            "currency": currency,
            "api_key_name": options["api_key_name"],
            "secrets": {
                IntegrationSecret.Provider.SHOPIFY: options["shopify_secret"],
                IntegrationSecret.Provider.WOOCOMMERCE: options["woocommerce_secret"],
            },
        }

    def _create(self, values: dict) -> dict:
        merchant, owner = merchant_create(
            name=values["name"],
            slug=values["slug"],
            owner_email=values["owner_email"],
            owner_password=values["owner_password"],
            time_zone=values["time_zone"],
            default_language=values["default_language"],
            currency=values["currency"],
        )
        issued = api_key_issue(merchant=merchant, name=values["api_key_name"], role=Role.ADMIN, created_by=owner)
        integrations = []
        for provider, secret in values["secrets"].items():
            if secret:
                integration_secret_set(merchant=merchant, provider=provider, secret=secret.strip())
                integrations.append(str(provider))
        return {
            "merchant_id": merchant.pk,
            "slug": merchant.slug,
            "name": merchant.name,
            "owner_email": owner.email,
            "owner_created": values["owner_created"],
            "api_key": issued.plaintext,
            "api_key_prefix": issued.api_key.prefix,
            "time_zone": merchant.time_zone,
            "language": merchant.default_language,
            "currency": merchant.currency,
            "integrations": integrations,
            "dashboard_url": f"{settings.SITE_URL}/",
        }

    def _print_summary(self, result: dict) -> None:
        owner_note = "new user" if result["owner_created"] else "existing user, password unchanged"
        lines = [
            self.style.SUCCESS(f"Created merchant {result['name']} ({result['slug']}, id {result['merchant_id']})."),
            f"  Owner:        {result['owner_email']} ({owner_note})",
            f"  Settings:     {result['time_zone']}, language {result['language']}, {result['currency']}",
            f"  Integrations: {', '.join(result['integrations']) or 'none'}",
            f"  Dashboard:    {result['dashboard_url']}",
            f"  API key:      {result['api_key']}",
            "  The API key is shown only this once; store it now.",
        ]
        self.stdout.write("\n".join(lines))


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "\n".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
