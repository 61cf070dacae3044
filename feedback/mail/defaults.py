"""The survey emails every shop starts with, in English and French, editable in the flows pages.

- CSAT: two days after delivery (the step's delay), one per order; not for a cancelled or fully
  refunded order, nor while a return is open when the shop chooses so.
- NPS: twenty days after a delivered order, once per customer and period (feedback/nps.py).
- Service recovery: an hour after a low score, a personal note offering help.
"""

from datetime import time

from flows.models import FlowKind, Trigger

WINDOW = (time(10, 0), time(18, 0))

# One link per score: mail scanners open every one of them, so each only opens the answer page.
_SCALE = (
    '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;"><tr>'
    "{%% for choice in %(var)s.scores %%}"
    '<td style="padding:2px;"><a href="{{ choice.url }}" style="display:inline-block;min-width:%(width)s;'
    "padding:10px 0;text-align:center;border:1px solid #c9ced8;border-radius:6px;"
    'text-decoration:none;font-weight:600;color:#1d2330;">{{ choice.score }}</a></td>'
    "{%% endfor %%}</tr></table>"
    '<p style="font-size:13px;color:#5b6475;">{{ %(var)s.scores.0.score }} = {{ %(var)s.low_label }} · '
    "{%% for choice in %(var)s.scores %%}{%% if forloop.last %%}{{ choice.score }}{%% endif %%}{%% endfor %%}"
    " = {{ %(var)s.high_label }}</p>"
)
CSAT_SCALE = _SCALE % {"var": "csat", "width": "44px"}
NPS_SCALE = _SCALE % {"var": "nps", "width": "26px"}

CSAT = {
    "en": {
        "subject": "How was your order {{ order.number }}?",
        "preheader": "One click to tell us: it takes ten seconds.",
        "html": "<h1>{{ csat.question }}</h1>"
        "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Your order {{ order.number }} arrived a few days ago. How did it go, from the order to the delivery? "
        "Choose a score:</p>" + CSAT_SCALE + "<p>You can add a comment on the next page. Thank you!</p>",
    },
    "fr": {
        "subject": "Comment s’est passée votre commande {{ order.number }}\u00a0?",
        "preheader": "Un clic pour nous le dire\u00a0: cela prend dix secondes.",
        "html": "<h1>{{ csat.question }}</h1>"
        "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Votre commande {{ order.number }} est arrivée il y a quelques jours. Comment cela s’est-il passé, "
        "de la commande à la livraison\u00a0? Choisissez une note\u00a0:</p>"
        + CSAT_SCALE
        + "<p>Vous pourrez ajouter un commentaire sur la page suivante. Merci\u00a0!</p>",
    },
}

NPS = {
    "en": {
        "subject": "{{ customer.first_name|default:'Hello' }}, would you recommend {{ shop.name }}?",
        "preheader": "One question, one click.",
        "html": "<h1>{{ nps.question }}</h1>"
        "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Your opinion helps us do better. From 0 to 10:</p>"
        + NPS_SCALE
        + "<p>You can tell us why on the next page. Thank you!</p>",
    },
    "fr": {
        "subject": "{{ customer.first_name|default:'Bonjour' }}, recommanderiez-vous {{ shop.name }}\u00a0?",
        "preheader": "Une question, un clic.",
        "html": "<h1>{{ nps.question }}</h1>"
        "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
        "<p>Votre avis nous aide à nous améliorer. De 0 à 10\u00a0:</p>"
        + NPS_SCALE
        + "<p>Vous pourrez nous dire pourquoi sur la page suivante. Merci\u00a0!</p>",
    },
}

RECOVERY = {
    "en": {
        "subject": "We are sorry, {{ customer.first_name|default:'and thank you for telling us' }}",
        "preheader": "Your answer reached us, and we would like to make it right.",
        "text": "Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},\n\n"
        "{% if signature.name %}It's {{ signature.name }} from {{ shop.name }}. {% endif %}"
        "Thank you for your honest answer about order {{ order.number }}. "
        "We are sorry it did not go as it should have.\n\n"
        "Could you tell us a little more by replying to this email? A real person reads it and will "
        "help you: a replacement, a refund or simply an explanation, whatever fixes it for you.\n\n"
        "{% if signature.name %}{{ signature.name }}\n{{ shop.name }}{% else %}The {{ shop.name }} team{% endif %}",
    },
    "fr": {
        "subject": "Nous sommes désolés{% if customer.first_name %}, {{ customer.first_name }}{% endif %}",
        "preheader": "Votre réponse nous est parvenue, et nous voulons arranger les choses.",
        "text": "Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},\n\n"
        "{% if signature.name %}C’est {{ signature.name }}, de chez {{ shop.name }}. {% endif %}"
        "Merci pour votre réponse sincère au sujet de la commande {{ order.number }}. "
        "Nous sommes désolés que cela ne se soit pas passé comme il fallait.\n\n"
        "Pourriez-vous nous en dire un peu plus en répondant à cet e-mail\u00a0? Une vraie personne le lit et "
        "vous aidera\u00a0: un remplacement, un remboursement ou simplement une explication, ce qui vous convient.\n\n"
        "{% if signature.name %}{{ signature.name }}\n{{ shop.name }}{% else %}L’équipe de {{ shop.name }}{% endif %}",
    },
}

CSAT_STOP_RULES = ["order_cancelled", "order_fully_refunded", "csat_off", "return_open_paused", "survey_answered"]
NPS_STOP_RULES = ["nps_off", "nps_asked_recently", "survey_answered"]


def _flow(key: str, name: dict, kind: str, trigger: str, event_kind: str = "") -> dict:
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "trigger": trigger,
        "event_kind": event_kind,
        "trigger_status": "",
        "anchor": "trigger",
    }


def survey_flow_specs() -> list[tuple[dict, list[dict]]]:
    """The survey flows as flows.defaults shapes them: (flow attributes, steps)."""
    csat_name = {"en": "CSAT survey", "fr": "Enquête de satisfaction (CSAT)"}
    nps_name = {"en": "NPS survey", "fr": "Enquête de recommandation (NPS)"}
    recovery = {"en": "Sorry about your experience", "fr": "Désolés pour votre expérience"}
    return [
        (
            _flow("survey-csat", csat_name, FlowKind.MARKETING, Trigger.DELIVERED),
            [_step("survey-csat", csat_name, CSAT, delay_days=2, stop_rules=CSAT_STOP_RULES, window=WINDOW)],
        ),
        (
            _flow("survey-nps", nps_name, FlowKind.MARKETING, Trigger.EVENT, "survey.nps_due"),
            [_step("survey-nps", nps_name, NPS, delay_days=20, stop_rules=NPS_STOP_RULES, window=WINDOW)],
        ),
        (
            _flow("survey-recovery", recovery, FlowKind.TRANSACTIONAL, Trigger.EVENT, "survey.detractor"),
            [_step("survey-recovery", recovery, RECOVERY, delay_hours=1, plain_text_only=True)],
        ),
    ]


def _step(key: str, name: dict, templates: dict, **attributes) -> dict:
    return {"key": key, "name": name, "delay_days": 0, "stop_rules": [], "window": None, "templates": templates} | (
        attributes
    )
