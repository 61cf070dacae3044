"""The flows every merchant starts with, in English and French. Merchants edit them freely."""

import functools
from datetime import time

from .models import Anchor, FlowKind, Trigger
from .rules import MARKETING_STOP_RULES

WINDOW = (time(10, 0), time(18, 0))

_BUTTON = '<p><a class="button" href="{{ tracking_url }}">%s</a></p>'

# Each line: quantity × title, the unit price when more than one, and the line's total.
_ITEMS = (
    "<ul>{% for item in order.items %}<li>{{ item.quantity }} × {{ item.title }}"
    "{% if item.variant %} ({{ item.variant }}){% endif %} — "
    '{% if item.quantity != "1" %}{{ item.quantity }} × {{ item.price }} = {% endif %}<strong>{{ item.line_total }}</strong>'
    "</li>{% endfor %}</ul>"
)
# What lies between the items and the total, so that the lines add up to it.
_AMOUNTS = {
    "en": "{% if order.shipping %}<p>Shipping: {{ order.shipping }}</p>{% endif %}"
    "{% if order.discount %}<p>Discount: −{{ order.discount }}</p>{% endif %}"
    "{% if order.tax %}<p>Tax: {{ order.tax }}</p>{% endif %}"
    "<p><strong>Total: {{ order.total }}</strong></p>",
    "fr": "{% if order.shipping %}<p>Livraison\u00a0: {{ order.shipping }}</p>{% endif %}"
    "{% if order.discount %}<p>Remise\u00a0: −{{ order.discount }}</p>{% endif %}"
    "{% if order.tax %}<p>Taxes\u00a0: {{ order.tax }}</p>{% endif %}"
    "<p><strong>Total\u00a0: {{ order.total }}</strong></p>",
}

TRANSACTIONAL = [
    {
        "key": "order-confirmation",
        "name": {"en": "Order confirmation", "fr": "Confirmation de commande"},
        "trigger": Trigger.ORDER_PLACED,
        "stop_rules": ["order_cancelled"],
        "templates": {
            "en": {
                "subject": "Your order {{ order.number }} is confirmed",
                "preheader": "Thank you, {{ customer.first_name|default:'and welcome' }}. Here is what you ordered.",
                "html": "<h1>Thank you{% if customer.first_name %}, {{ customer.first_name }}{% endif %}!</h1>"
                "<p>We have received your order {{ order.number }} placed on {{ order.placed_on }} and we are getting it ready.</p>"
                + _ITEMS
                + _AMOUNTS["en"]
                + "<p>You will get another email with a tracking link as soon as your parcel leaves us.</p>"
                "<p>A question? Just reply to this email, a real person will answer.</p>",
            },
            "fr": {
                "subject": "Votre commande {{ order.number }} est confirmée",
                "preheader": "Merci{% if customer.first_name %} {{ customer.first_name }}{% endif %}\u00a0! Voici le récapitulatif de votre commande.",
                "html": "<h1>Merci{% if customer.first_name %} {{ customer.first_name }}{% endif %}\u00a0!</h1>"
                "<p>Nous avons bien reçu votre commande {{ order.number }} du {{ order.placed_on }} et nous la préparons.</p>"
                + _ITEMS
                + _AMOUNTS["fr"]
                + "<p>Vous recevrez un autre e-mail avec un lien de suivi dès que votre colis sera parti.</p>"
                "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
            },
        },
    },
    {
        "key": "shipped",
        "name": {"en": "Shipped", "fr": "Expédiée"},
        "trigger": Trigger.SHIPMENT_CREATED,
        "stop_rules": ["order_cancelled"],
        "templates": {
            "en": {
                "subject": "Your order {{ order.number }} is on its way",
                "preheader": "Follow your parcel{% if shipment.estimated_delivery %}, expected {{ shipment.estimated_delivery }}{% endif %}.",
                "html": "<h1>It's on its way!</h1>"
                "<p>Your order {{ order.number }} has left us{% if shipment.carrier_name %} with {{ shipment.carrier_name }}{% endif %}.</p>"
                "{% if shipment.estimated_delivery %}<p>Expected delivery: <strong>{{ shipment.estimated_delivery }}</strong>.</p>{% endif %}"
                + _BUTTON % "Track my parcel"
                + "<p>We will let you know when it is out for delivery.</p>",
            },
            "fr": {
                "subject": "Votre commande {{ order.number }} est en route",
                "preheader": "Suivez votre colis{% if shipment.estimated_delivery %}, livraison prévue le {{ shipment.estimated_delivery }}{% endif %}.",
                "html": "<h1>C’est parti\u00a0!</h1>"
                "<p>Votre commande {{ order.number }} a quitté nos ateliers{% if shipment.carrier_name %} avec {{ shipment.carrier_name }}{% endif %}.</p>"
                "{% if shipment.estimated_delivery %}<p>Livraison prévue\u00a0: <strong>{{ shipment.estimated_delivery }}</strong>.</p>{% endif %}"
                + _BUTTON % "Suivre mon colis"
                + "<p>Nous vous préviendrons quand il sera en cours de livraison.</p>",
            },
        },
    },
    {
        "key": "out-for-delivery",
        "name": {"en": "Out for delivery", "fr": "En cours de livraison"},
        "trigger": Trigger.SHIPMENT_STATUS,
        "trigger_status": "out_for_delivery",
        "stop_rules": ["order_cancelled"],
        "templates": {
            "en": {
                "subject": "Your parcel arrives today",
                "preheader": "Order {{ order.number }} is out for delivery.",
                "html": "<h1>Arriving today</h1>"
                "<p>The courier has your order {{ order.number }} and will deliver it today.</p>"
                + _BUTTON
                % "Follow the delivery",
            },
            "fr": {
                "subject": "Votre colis arrive aujourd’hui",
                "preheader": "La commande {{ order.number }} est en cours de livraison.",
                "html": "<h1>Livraison aujourd’hui</h1>"
                "<p>Le livreur a votre commande {{ order.number }} et vous la remettra aujourd’hui.</p>"
                + _BUTTON
                % "Suivre la livraison",
            },
        },
    },
    {
        "key": "delivered",
        "name": {"en": "Delivered", "fr": "Livrée"},
        "trigger": Trigger.DELIVERED,
        "stop_rules": ["order_cancelled"],
        "templates": {
            "en": {
                "subject": "Your order {{ order.number }} has been delivered",
                "preheader": "We hope you love it.",
                "html": "<h1>Delivered!</h1>"
                "<p>Your order {{ order.number }} has been delivered. We hope everything arrived in perfect condition.</p>"
                "<p>If anything is missing or damaged, reply to this email and we will sort it out quickly.</p>",
            },
            "fr": {
                "subject": "Votre commande {{ order.number }} a été livrée",
                "preheader": "Nous espérons qu’elle vous plaira.",
                "html": "<h1>Livrée\u00a0!</h1>"
                "<p>Votre commande {{ order.number }} a été livrée. Nous espérons que tout est arrivé en parfait état.</p>"
                "<p>S’il manque quelque chose ou si un article est abîmé, répondez à cet e-mail\u00a0: nous réglerons cela rapidement.</p>",
            },
        },
    },
    {
        "key": "delayed",
        "name": {"en": "Shipment delayed", "fr": "Colis en retard"},
        "trigger": Trigger.SHIPMENT_DELAYED,
        "stop_rules": ["order_cancelled"],
        "templates": {
            "en": {
                "subject": "Your order {{ order.number }} is running late",
                "preheader": "We are on it, and we are sorry for the wait.",
                "html": "<h1>Your parcel is running late</h1>"
                "<p>Your order {{ order.number }} is taking longer than expected to reach you. We are sorry about that.</p>"
                "<p>We are keeping an eye on it{% if shipment.carrier_name %} with {{ shipment.carrier_name }}{% endif %} and you can follow it here:</p>"
                + _BUTTON % "Track my parcel"
                + "<p>If it has not arrived in a few days, reply to this email and we will find a solution together.</p>",
            },
            "fr": {
                "subject": "Votre commande {{ order.number }} a du retard",
                "preheader": "Nous suivons votre colis de près, désolés pour l’attente.",
                "html": "<h1>Votre colis a du retard</h1>"
                "<p>Votre commande {{ order.number }} met plus de temps que prévu à arriver. Nous en sommes désolés.</p>"
                "<p>Nous la suivons de près{% if shipment.carrier_name %} avec {{ shipment.carrier_name }}{% endif %}, et vous pouvez la suivre ici\u00a0:</p>"
                + _BUTTON % "Suivre mon colis"
                + "<p>S’il n’est pas arrivé d’ici quelques jours, répondez à cet e-mail et nous trouverons une solution ensemble.</p>",
            },
        },
    },
]

JOURNEY = {
    "key": "post-purchase",
    "name": {"en": "Post-purchase journey", "fr": "Parcours après achat"},
    "trigger": Trigger.ORDER_PLACED,
    "anchor": Anchor.DELIVERY_OR_ORDER,
    "steps": [
        {
            "key": "welcome",
            "name": {"en": "J+2 Welcome", "fr": "J+2 Bienvenue"},
            "delay_days": 2,
            "stop_rules": MARKETING_STOP_RULES,
            "templates": {
                "en": {
                    "subject": "Welcome to {{ shop.name }}, {{ customer.first_name|default:'and thank you' }}",
                    "preheader": "A few words from the people behind {{ shop.name }}.",
                    "html": "<h1>We're glad you're here</h1>"
                    "<p>Hello {{ customer.first_name|default:'there' }},</p>"
                    "<p>Thank you again for choosing {{ shop.name }}. Every order matters to a shop like ours, and yours made our week.</p>"
                    "<p>Behind each parcel there is a small team who picks, checks and packs everything by hand. "
                    '{% if order.item_count == "1" %}We hope your {{ order.items.0.title }} brings you as much joy as we had preparing it.'
                    "{% else %}We hope everything in your parcel brings you as much joy as we had preparing it.{% endif %}</p>"
                    "<p>Nothing to buy, nothing to do: this email is simply here to say hello. If you ever need anything, "
                    "just reply, it comes straight to us.</p>",
                },
                "fr": {
                    "subject": "Bienvenue chez {{ shop.name }}{% if customer.first_name %}, {{ customer.first_name }}{% endif %}",
                    "preheader": "Quelques mots de l’équipe derrière {{ shop.name }}.",
                    "html": "<h1>Ravis de vous compter parmi nous</h1>"
                    "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
                    "<p>Merci encore d’avoir choisi {{ shop.name }}. Chaque commande compte pour une boutique comme la nôtre, et la vôtre nous a fait très plaisir.</p>"
                    "<p>Derrière chaque colis, il y a une petite équipe qui choisit, vérifie et emballe tout à la main. "
                    '{% if order.item_count == "1" %}Nous espérons que votre article «\u00a0{{ order.items.0.title }}\u00a0» vous plaira '
                    "autant que nous avons aimé préparer votre colis."
                    "{% else %}Nous espérons que vos articles vous plairont autant que nous avons aimé préparer votre colis.{% endif %}</p>"
                    "<p>Rien à acheter, rien à faire\u00a0: cet e-mail est simplement là pour vous dire bonjour. Si vous avez besoin de quoi que ce soit, "
                    "répondez-nous, votre message arrive directement chez nous.</p>",
                },
            },
        },
        {
            "key": "education",
            "name": {"en": "J+5 Getting the most out of it", "fr": "J+5 Bien en profiter"},
            "delay_days": 5,
            "stop_rules": MARKETING_STOP_RULES,
            "templates": {
                "en": {
                    "subject": '{% if order.item_count == "1" %}Getting the most out of your {{ order.items.0.title }}'
                    "{% else %}Getting the most out of your order{% endif %}",
                    "preheader": '{% if order.item_count == "1" %}A few tips to enjoy it for a long time.'
                    "{% else %}A few tips to enjoy them for a long time.{% endif %}",
                    "html": "<h1>A few tips for you</h1>"
                    "<p>Hello {{ customer.first_name|default:'there' }},</p>"
                    "<p>Now that your order has arrived, here is how to enjoy "
                    '{% if order.item_count == "1" %}it{% else %}it all{% endif %} for a long time.</p>'
                    "{% for guide in guides %}<h2>{{ guide.title }}</h2><p>{{ guide.text|linebreaksbr }}</p>"
                    '{% if guide.url %}<p><a href="{{ guide.url }}">Read the full guide</a></p>{% endif %}'
                    "{% empty %}<ul><li>Take a minute to read the label or the leaflet: it holds the care instructions that keep "
                    '{% if order.item_count == "1" %}it{% else %}everything{% endif %} like new.</li>'
                    "<li>Keep the packaging for a few weeks: it is the best protection if you ever need to send something back.</li>"
                    "<li>Something unclear? Reply to this email with your question, we answer every one.</li></ul>{% endfor %}",
                },
                "fr": {
                    "subject": '{% if order.item_count == "1" %}Bien profiter de votre article «\u00a0{{ order.items.0.title }}\u00a0»'
                    "{% else %}Bien profiter de votre commande{% endif %}",
                    "preheader": "Quelques conseils pour en profiter longtemps.",
                    "html": "<h1>Quelques conseils pour vous</h1>"
                    "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
                    "<p>Votre commande est arrivée\u00a0: voici comment en profiter longtemps.</p>"
                    "{% for guide in guides %}<h2>{{ guide.title }}</h2><p>{{ guide.text|linebreaksbr }}</p>"
                    '{% if guide.url %}<p><a href="{{ guide.url }}">Lire le guide complet</a></p>{% endif %}'
                    "{% empty %}<ul><li>Prenez une minute pour lire l’étiquette ou la notice\u00a0: vous y trouverez les conseils d’entretien pour en profiter longtemps.</li>"
                    "<li>Gardez l’emballage quelques semaines\u00a0: c’est la meilleure protection si vous devez nous renvoyer un article.</li>"
                    "<li>Un doute\u00a0? Répondez à cet e-mail avec votre question, nous répondons à chacune.</li></ul>{% endfor %}",
                },
            },
        },
        {
            "key": "cross-sell",
            "name": {"en": "J+10 Goes well with", "fr": "J+10 Va bien avec"},
            "delay_days": 10,
            "stop_rules": [*MARKETING_STOP_RULES, "no_recommendations"],
            "templates": {
                "en": {
                    "subject": "A few things that go well with your order",
                    "preheader": "Chosen to complement what you already have.",
                    "html": "<h1>Goes well with your order</h1>"
                    "<p>Hello {{ customer.first_name|default:'there' }},</p>"
                    "<p>Customers who chose the same as you often pair "
                    '{% if order.item_count == "1" %}it{% else %}them{% endif %} with these. No pressure, just ideas:</p>'
                    "<ul>{% for product in recommendations %}<li>"
                    '{% if product.url %}<a href="{{ product.url }}">{{ product.title }}</a>{% else %}{{ product.title }}{% endif %} — {{ product.price }}'
                    "</li>{% endfor %}</ul>",
                },
                "fr": {
                    "subject": "Quelques idées qui vont bien avec votre commande",
                    "preheader": "Choisies pour compléter ce que vous avez déjà.",
                    "html": "<h1>Va bien avec votre commande</h1>"
                    "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
                    "<p>Les clients qui ont fait le même choix que vous y associent souvent ces articles. Aucune obligation, juste des idées\u00a0:</p>"
                    "<ul>{% for product in recommendations %}<li>"
                    '{% if product.url %}<a href="{{ product.url }}">{{ product.title }}</a>{% else %}{{ product.title }}{% endif %} — {{ product.price }}'
                    "</li>{% endfor %}</ul>",
                },
            },
        },
        {
            "key": "check-in",
            "name": {"en": "J+15 Personal check-in", "fr": "J+15 Petit mot personnel"},
            "delay_days": 15,
            "plain_text_only": True,
            "stop_rules": MARKETING_STOP_RULES,
            "templates": {
                "en": {
                    "subject": '{% if order.item_count == "1" %}Have you tried it yet?{% else %}Have you tried them yet?{% endif %}',
                    "text": "Hi {{ customer.first_name|default:'there' }},\n\n"
                    "{% if signature.name %}It's {{ signature.name }} from {{ shop.name }}. Your order arrived a little while ago "
                    "and I wanted to ask: {% else %}A quick note from {{ shop.name }}. Your order arrived a little while ago "
                    "and we wanted to ask: {% endif %}"
                    '{% if order.item_count == "1" %}have you had a chance to try it?{% else %}have you had a chance to try them?{% endif %}\n\n'
                    "If something isn't quite right, or if you simply have a question, hit reply. "
                    "{% if signature.name %}This email comes straight to me and I read every answer myself."
                    "{% else %}This email comes straight to us and we read every answer ourselves.{% endif %}\n\n"
                    "Thanks again,\n{% if signature.name %}{{ signature.name }}\n{{ shop.name }}{% else %}The {{ shop.name }} team{% endif %}",
                },
                "fr": {
                    "subject": '{% if order.item_count == "1" %}Avez-vous pu essayer votre article\u00a0?{% else %}Avez-vous pu essayer vos articles\u00a0?{% endif %}',
                    "text": "Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},\n\n"
                    "{% if signature.name %}C’est {{ signature.name }}, de chez {{ shop.name }}. Votre commande est arrivée il y a quelque temps "
                    "et je voulais vous demander\u00a0: {% else %}Un petit mot de l’équipe de {{ shop.name }}. Votre commande est arrivée "
                    "il y a quelque temps et nous voulions vous demander\u00a0: {% endif %}"
                    '{% if order.item_count == "1" %}avez-vous eu l’occasion d’essayer votre article\u00a0?'
                    "{% else %}avez-vous eu l’occasion d’essayer vos articles\u00a0?{% endif %}\n\n"
                    "Si quelque chose ne va pas, ou si vous avez simplement une question, répondez à cet e-mail. "
                    "{% if signature.name %}Il arrive directement chez moi et je lis chaque réponse moi-même."
                    "{% else %}Il arrive directement chez nous et nous lisons chaque réponse nous-mêmes.{% endif %}\n\n"
                    "Merci encore,\n{% if signature.name %}{{ signature.name }}\n{{ shop.name }}{% else %}L’équipe de {{ shop.name }}{% endif %}",
                },
            },
        },
        {
            "key": "reactivation",
            "name": {"en": "J+30 What's new", "fr": "J+30 Les nouveautés"},
            "delay_days": 30,
            "stop_rules": [*MARKETING_STOP_RULES, "ordered_again"],
            "templates": {
                "en": {
                    "subject": "{{ customer.first_name|default:'Hello' }}, a look at what's new at {{ shop.name }}",
                    "preheader": "A month already: here is what we have been working on.",
                    "html": "<h1>A month already</h1>"
                    "<p>Hello {{ customer.first_name|default:'there' }},</p>"
                    "<p>It has been a month since your order. Since then we have been busy: new pieces, restocks of favourites "
                    "and a few things we have not shown anyone else yet.</p>"
                    "{% if recommendations %}<p>Picked with you in mind:</p><ul>{% for product in recommendations %}"
                    "<li>{{ product.title }} — {{ product.price }}</li>{% endfor %}</ul>{% endif %}"
                    '{% if shop.url %}<p><a class="button" href="{{ shop.url }}">See what\'s new</a></p>{% endif %}',
                },
                "fr": {
                    "subject": "{{ customer.first_name|default:'Bonjour' }}, découvrez les nouveautés de {{ shop.name }}",
                    "preheader": "Déjà un mois\u00a0: voici ce que nous avons préparé.",
                    "html": "<h1>Déjà un mois</h1>"
                    "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>"
                    "<p>Cela fait un mois que vous avez passé commande. Depuis, nous n’avons pas chômé\u00a0: des nouveautés, le retour de "
                    "vos favoris et quelques pièces que nous n’avons encore montrées à personne.</p>"
                    "{% if recommendations %}<p>Choisis en pensant à vous\u00a0:</p><ul>{% for product in recommendations %}"
                    "<li>{{ product.title }} — {{ product.price }}</li>{% endfor %}</ul>{% endif %}"
                    '{% if shop.url %}<p><a class="button" href="{{ shop.url }}">Voir les nouveautés</a></p>{% endif %}',
                },
            },
        },
    ],
}


# Default flows other apps add for every merchant (a return's emails), without flows knowing them:
#     default_flows_register("returns", lambda: [(flow, steps), ...])
# each (flow, steps) shaped like those default_flow_specs() builds below.
_registered: dict[str, object] = {}


def default_flows_register(name: str, specs) -> None:
    _registered[name] = specs


def event_email_spec(key: str, name: dict, event_kind: str, templates: dict, stop_rules=()) -> tuple[dict, list]:
    """A transactional flow of one email sent as soon as `event_kind` is recorded (a store credit
    issued, a tier reached...): the (flow, steps) shape default_flows_register takes."""
    flow = {
        "key": key,
        "name": name,
        "kind": FlowKind.TRANSACTIONAL,
        "trigger": Trigger.EVENT,
        "event_kind": event_kind,
        "trigger_status": "",
        "anchor": "trigger",
    }
    step = {"key": key, "name": name, "delay_days": 0, "stop_rules": list(stop_rules), "window": None}
    return flow, [{**step, "templates": templates}]


def default_flow_specs():
    """Every default flow as (flow attributes, steps), steps as (attributes, templates)."""
    specs = []
    for spec in TRANSACTIONAL:
        flow = {
            "key": spec["key"],
            "name": spec["name"],
            "kind": FlowKind.TRANSACTIONAL,
            "trigger": spec["trigger"],
            "trigger_status": spec.get("trigger_status", ""),
            "anchor": Anchor.TRIGGER,
        }
        step = {
            "key": spec["key"],
            "name": spec["name"],
            "delay_days": 0,
            "stop_rules": spec["stop_rules"],
            "window": None,
            "templates": spec["templates"],
        }
        specs.append((flow, [step]))
    flow = {
        "key": JOURNEY["key"],
        "name": JOURNEY["name"],
        "kind": FlowKind.MARKETING,
        "trigger": JOURNEY["trigger"],
        "trigger_status": "",
        "anchor": JOURNEY["anchor"],
    }
    steps = [{**step, "window": WINDOW} for step in JOURNEY["steps"]]
    specs.append((flow, steps))
    return specs + [spec for build in _registered.values() for spec in build()]


def shown_name(kind: str, key: str, stored: str, language: str) -> str:
    """A default flow's or step's name ("flow" or "step" `kind`) in the reader's language while the shop
    keeps the name it was installed with; a name the shop typed is shown as typed."""
    names = _installed_names().get((kind, key), {})
    # Names installed before the French defaults took the typographic apostrophe are defaults too.
    return names.get(language, stored) if stored.replace("'", "’") in names.values() else stored


@functools.cache
def _installed_names() -> dict[tuple[str, str], dict[str, str]]:
    """(kind, key) -> the default name by language. Built once: other apps register their defaults
    when they start (default_flows_register), before any page is shown."""
    names = {}
    for flow, steps in default_flow_specs():
        names["flow", flow["key"]] = flow["name"]
        names.update((("step", step["key"]), step["name"]) for step in steps)
    return names
