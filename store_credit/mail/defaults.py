"""The store-credit emails every shop starts with, in English and French: transactional flows of
the email engine, editable in the flows pages like any other step."""

from flows.defaults import event_email_spec

_HELLO = {
    "en": "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
    "fr": "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
}
_CODE = '<p style="font-size:1.4em;letter-spacing:.08em"><strong>{{ store_credit.code }}</strong></p>'
_REPLY = {
    "en": "<p>A question? Just reply to this email, a real person will answer.</p>",
    "fr": "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
}

ISSUED = {
    "en": {
        "subject": "{{ store_credit.amount }} of store credit for you at {{ shop.name }}",
        "preheader": "Your balance is now {{ store_credit.balance }}. Here is your code.",
        "html": "<h1>You have store credit</h1>"
        + _HELLO["en"]
        + "<p>We have added <strong>{{ store_credit.amount }}</strong> to your store credit at {{ shop.name }}. "
        "Your balance is now <strong>{{ store_credit.balance }}</strong>.</p>"
        "<p>To use it, enter this code at checkout, in the gift card or discount code field:</p>"
        + _CODE
        + "<p>It works on several orders until the balance is spent."
        "{% if store_credit.expires_on %} It expires on {{ store_credit.expires_on }}: use it before then.{% endif %}</p>"
        '<p><a class="button" href="{{ store_credit.url }}">See my store credit</a></p>' + _REPLY["en"],
    },
    "fr": {
        "subject": "{{ store_credit.amount }} d’avoir pour vous chez {{ shop.name }}",
        "preheader": "Votre solde est maintenant de {{ store_credit.balance }}. Voici votre code.",
        "html": "<h1>Vous avez un avoir</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons ajouté <strong>{{ store_credit.amount }}</strong> à votre avoir chez {{ shop.name }}. "
        "Votre solde est maintenant de <strong>{{ store_credit.balance }}</strong>.</p>"
        "<p>Pour l’utiliser, saisissez ce code lors du paiement, dans le champ carte cadeau ou code promo\u00a0:</p>"
        + _CODE
        + "<p>Il vaut pour plusieurs commandes, jusqu’à épuisement du solde."
        "{% if store_credit.expires_on %} Il expire le {{ store_credit.expires_on }}\u00a0: "
        "pensez à l’utiliser d’ici là.{% endif %}</p>"
        '<p><a class="button" href="{{ store_credit.url }}">Voir mon avoir</a></p>' + _REPLY["fr"],
    },
}

EXPIRING = {
    "en": {
        "subject": "Your store credit of {{ store_credit.amount_left }} expires on {{ store_credit.expires_on }}",
        "preheader": "Use it at {{ shop.name }} before it is gone.",
        "html": "<h1>Your store credit expires soon</h1>"
        + _HELLO["en"]
        + "<p>On <strong>{{ store_credit.expires_on }}</strong>, <strong>{{ store_credit.amount_left }}</strong> "
        "of your store credit at {{ shop.name }} expires. Your balance today is {{ store_credit.balance }}.</p>"
        "<p>Enter this code at checkout to use it:</p>"
        + _CODE
        + '<p><a class="button" href="{{ store_credit.url }}">See my store credit</a></p>'
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre avoir de {{ store_credit.amount_left }} expire le {{ store_credit.expires_on }}",
        "preheader": "Utilisez-le chez {{ shop.name }} avant qu’il ne soit perdu.",
        "html": "<h1>Votre avoir expire bientôt</h1>"
        + _HELLO["fr"]
        + "<p>Le <strong>{{ store_credit.expires_on }}</strong>, <strong>{{ store_credit.amount_left }}</strong> "
        "de votre avoir chez {{ shop.name }} expirent. Votre solde aujourd’hui\u00a0: {{ store_credit.balance }}.</p>"
        "<p>Saisissez ce code lors du paiement pour l’utiliser\u00a0:</p>"
        + _CODE
        + '<p><a class="button" href="{{ store_credit.url }}">Voir mon avoir</a></p>'
        + _REPLY["fr"],
    },
}


def store_credit_flow_specs() -> list[tuple[dict, list[dict]]]:
    return [
        event_email_spec(
            "store-credit-issued", {"en": "Store credit issued", "fr": "Avoir émis"}, "store_credit.issued", ISSUED
        ),
        event_email_spec(
            "store-credit-expiring",
            {"en": "Store credit expiring soon", "fr": "Avoir bientôt expiré"},
            "store_credit.expiring",
            EXPIRING,
        ),
    ]
