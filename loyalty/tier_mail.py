"""The "tier reached" email: a default transactional flow of the email engine (flows/), triggered by
`loyalty.tier_reached`, and the `loyalty_tier` variable its templates read.

    {{ loyalty_tier.name }} ("Gold", "Or")  {{ loyalty_tier.multiplier }} ("×1.25", "×1,25"; "" at ×1)
    {{ loyalty_tier.entry_points }} ("200"; "" for none)  {{ loyalty_tier.term_ends_on }} ("" for life)
    {{ loyalty_tier.url }} (the portal's loyalty page)

The email reads the term its event named (the message's key, "loyalty:tier:42").
"""

from decimal import Decimal

from django.conf import settings

from core.l10n import format_day
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from flows.defaults import event_email_spec
from portal.links import customer_portal_url

from .models_tiers import TierTerm

EMPTY = {"name": "", "multiplier": "", "entry_points": "", "term_ends_on": "", "url": ""}
PREFIX = "loyalty:tier:"


def _multiplier(value: Decimal | None, language: str) -> str:
    if value is None or value == 1:
        return ""
    shown = f"{value.normalize():f}"
    return "×" + (shown.replace(".", ",") if language == "fr" else shown)


def customer_value(customer, anchor_key: str, language: str) -> dict:
    last = anchor_key.removeprefix(PREFIX)
    if not anchor_key.startswith(PREFIX) or not last.isdigit():
        return dict(EMPTY)
    with merchant_scope(customer.merchant):
        term = TierTerm.objects.select_related("tier").filter(pk=int(last), account__customer=customer).first()
    if term is None:
        return dict(EMPTY)
    tier = term.tier
    return {
        "name": term.name(language),
        "multiplier": _multiplier(tier.multiplier if tier else None, language),
        "entry_points": str(tier.entry_points) if tier and tier.entry_points else "",
        "term_ends_on": format_day(term.term_ends_on, language) if term.term_ends_on else "",
        "url": f"{customer_portal_url(customer, 'points')}?lang={language}",
    }


def order_value(order, language: str) -> dict:
    return dict(EMPTY)  # an order's email is about no tier


def sample_value(merchant, language: str) -> dict:
    fr = language == "fr"
    return {
        "name": "Or" if fr else "Gold",
        "multiplier": "×1,25" if fr else "×1.25",
        "entry_points": "200",
        "term_ends_on": "31 décembre 2027" if fr else "31 December 2027",
        "url": f"{settings.SITE_URL}/points/sample/?lang={language}",
    }


def tier_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "loyalty_tier", value=order_value, sample=sample_value, customer_value=customer_value, empty=EMPTY
    )


REACHED = {
    "en": {
        "subject": "Welcome to {{ loyalty_tier.name }} at {{ shop.name }}",
        "preheader": "Your loyalty tier has gone up.",
        "html": "<h1>You reached {{ loyalty_tier.name }}</h1>"
        "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Thank you for your loyalty: you are now <strong>{{ loyalty_tier.name }}</strong> at {{ shop.name }}.</p>"
        "{% if loyalty_tier.multiplier %}<p>Points on your orders: {{ loyalty_tier.multiplier }}.</p>{% endif %}"
        "{% if loyalty_tier.entry_points %}<p>To celebrate, we added <strong>{{ loyalty_tier.entry_points }} points"
        "</strong> to your balance.</p>{% endif %}"
        "{% if loyalty_tier.term_ends_on %}<p>Yours at least until: <strong>{{ loyalty_tier.term_ends_on }}"
        "</strong></p>{% endif %}"
        '<p><a class="button" href="{{ loyalty_tier.url }}">See my points</a></p>'
        "<p>A question? Just reply to this email, a real person will answer.</p>",
    },
    "fr": {
        "subject": "Bienvenue au niveau {{ loyalty_tier.name }} chez {{ shop.name }}",
        "preheader": "Votre niveau de fidélité a progressé.",
        "html": "<h1>Vous avez atteint le niveau {{ loyalty_tier.name }}</h1>"
        "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Merci de votre fidélité\u00a0: vous êtes désormais au niveau <strong>{{ loyalty_tier.name }}</strong> "
        "chez {{ shop.name }}.</p>"
        "{% if loyalty_tier.multiplier %}<p>Points sur vos commandes\u00a0: {{ loyalty_tier.multiplier }}.</p>"
        "{% endif %}"
        "{% if loyalty_tier.entry_points %}<p>Pour fêter cela, nous avons ajouté <strong>"
        "{{ loyalty_tier.entry_points }}\u00a0points</strong> à votre solde.</p>{% endif %}"
        "{% if loyalty_tier.term_ends_on %}<p>Acquis au moins jusqu’à cette date\u00a0: <strong>"
        "{{ loyalty_tier.term_ends_on }}</strong></p>{% endif %}"
        '<p><a class="button" href="{{ loyalty_tier.url }}">Voir mes points</a></p>'
        "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
    },
}


def tier_flow_specs() -> list[tuple[dict, list[dict]]]:
    name = {"en": "Loyalty tier reached", "fr": "Niveau de fidélité atteint"}
    return [event_email_spec("loyalty-tier-reached", name, "loyalty.tier_reached", REACHED)]


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    email_context_register(tier_provider())
    default_flows_register("loyalty_tiers", tier_flow_specs)
