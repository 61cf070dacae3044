"""The review request in emails: `{{ review_links }}` and `{{ review_url }}`, and the review-request
flow every shop gets switched off (docs/reviews.md).

The flow asks every customer the same way, whatever they think of the shop: its only stop rules are
objective ones (the order was cancelled; the customer already saw the invitation after answering a
survey, `survey_answered`, inert until surveys register it). It deliberately leaves out
`low_satisfaction`, returns and refunds: skipping unhappy customers would be review gating.
"""

from django.conf import settings

from flows.context_providers import EmailContextProvider
from flows.models import Anchor, FlowKind, Trigger

from .models_reviews import Destination
from .review_links import LINK_LABELS, review_links

FLOW_KEY = "review-request"


def _order_links(order, language):
    return review_links(
        merchant_id=order.merchant_id, key=f"order:{order.pk}", order_id=order.pk, customer_id=order.customer_id
    )


def _customer_links(customer, anchor_key, language):
    return review_links(
        merchant_id=customer.merchant_id, key=f"customer:{customer.pk}", order_id=None, customer_id=customer.pk
    )


def _sample_links(merchant, language):
    from django.utils import translation

    with translation.override(language):
        return [
            {
                "destination": destination,
                "label": str(LINK_LABELS[Destination(destination)]),
                "url": f"{settings.SITE_URL}/r/sample-{destination}/",
            }
            for destination in (Destination.GOOGLE, Destination.TRUSTPILOT)
        ]


def _first_url(links: list[dict]) -> str:
    return links[0]["url"] if links else ""


def review_providers() -> list[EmailContextProvider]:
    """Each link says where it goes ({{ link.label }}, {{ link.url }}); `review_url` is the first one."""
    return [
        EmailContextProvider(
            "review_links",
            value=_order_links,
            sample=_sample_links,
            empty=[],
            customer_value=_customer_links,
        ),
        EmailContextProvider(
            "review_url",
            value=lambda order, language: _first_url(_order_links(order, language)),
            sample=lambda merchant, language: _first_url(_sample_links(merchant, language)),
            customer_value=lambda customer, key, language: _first_url(_customer_links(customer, key, language)),
        ),
    ]


_LINKS = '{% for link in review_links %}<p><a class="button" href="{{ link.url }}">{{ link.label }}</a></p>{% endfor %}'
TEMPLATES = {
    "en": {
        "subject": "How was your order {{ order.number }}?",
        "preheader": "Your review helps other customers, whatever you thought of it.",
        "html": "<h1>Would you share your experience?</h1>"
        "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>You received your order {{ order.number }} a little while ago. Whatever you thought of it, "
        "a few words from you help other customers and help us do better. It takes a minute.</p>"
        + _LINKS
        + "<p>Something went wrong? Just reply to this email, a real person will answer.</p>",
    },
    "fr": {
        "subject": "Comment s’est passée votre commande {{ order.number }}\u00a0?",
        "preheader": "Votre avis aide les autres clients, quel qu’il soit.",
        "html": "<h1>Voulez-vous partager votre expérience\u00a0?</h1>"
        "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Vous avez reçu votre commande {{ order.number }} il y a quelque temps. Quel que soit votre avis, "
        "quelques mots de votre part aident les autres clients et nous aident à faire mieux. Cela prend une minute.</p>"
        + _LINKS
        + "<p>Un souci\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
    },
}

STOP_RULES = ["order_cancelled", "survey_answered"]


def review_flow_specs() -> list[tuple[dict, list[dict]]]:
    """One switched-off marketing flow: 14 days after delivery (or the order), one email."""
    name = {"en": "Review request", "fr": "Demande d’avis"}
    flow = {
        "key": FLOW_KEY,
        "name": name,
        "kind": FlowKind.MARKETING,
        "trigger": Trigger.ORDER_PLACED,
        "trigger_status": "",
        "anchor": Anchor.DELIVERY_OR_ORDER,
        "active": False,
    }
    step = {
        "key": FLOW_KEY,
        "name": {"en": "J+14 Review request", "fr": "J+14 Demande d’avis"},
        "delay_days": 14,
        "stop_rules": STOP_RULES,
        "window": None,
        "templates": TEMPLATES,
    }
    return [(flow, [step])]
