"""The loyalty emails every shop starts with, in English and French: transactional flows of the email
engine, one per customer-anchored loyalty event, editable in the flows pages like any other step.

Each is sent once per event it is about (its anchor key names the entry, or the expiry reminder):
a redelivered order event or a rerun task records no second event, and flows schedule one message
per customer and key.
"""

from flows.defaults import event_email_spec

_HELLO = {
    "en": "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
    "fr": "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
}
_BALANCE = {
    "en": "<p>Your balance: <strong>{{ loyalty.balance }}</strong> to use"
    "{% if loyalty.pending %}, and {{ loyalty.pending }} on their way{% endif %}.</p>",
    "fr": "<p>Votre solde\u00a0: <strong>{{ loyalty.balance }}</strong> à utiliser"
    "{% if loyalty.pending %}, et {{ loyalty.pending }} en attente{% endif %}.</p>",
}
_BUTTON = {
    "en": '<p><a class="button" href="{{ loyalty.url }}">See my points</a></p>',
    "fr": '<p><a class="button" href="{{ loyalty.url }}">Voir mes points</a></p>',
}
_REPLY = {
    "en": "<p>A question? Just reply to this email, a real person will answer.</p>",
    "fr": "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
}


def _closing(language: str) -> str:
    return _BALANCE[language] + _BUTTON[language] + _REPLY[language]


EARNED = {
    "en": {
        "subject": "You earned {{ loyalty.points }} at {{ shop.name }}",
        "preheader": "{% if loyalty.available_on %}Yours to use from {{ loyalty.available_on }}."
        "{% else %}Yours to use now.{% endif %}",
        "html": "<h1>You earned points</h1>"
        + _HELLO["en"]
        + "<p>Thank you: you earned <strong>{{ loyalty.points }}</strong>"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %}.</p>"
        "{% if loyalty.available_on %}<p>They are pending until <strong>{{ loyalty.available_on }}</strong>"
        "{% if loyalty.order_number %}, when the order can no longer be returned{% endif %}; "
        "you can use them from then on.</p>"
        "{% else %}<p>You can use them now.</p>{% endif %}" + _closing("en"),
    },
    "fr": {
        "subject": "Vous avez gagné {{ loyalty.points }} chez {{ shop.name }}",
        "preheader": "{% if loyalty.available_on %}À utiliser à partir du {{ loyalty.available_on }}."
        "{% else %}À utiliser dès maintenant.{% endif %}",
        "html": "<h1>Vous avez gagné des points</h1>"
        + _HELLO["fr"]
        + "<p>Merci\u00a0: vous avez gagné <strong>{{ loyalty.points }}</strong>"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %}.</p>"
        "{% if loyalty.available_on %}<p>Ils sont en attente jusqu’au <strong>{{ loyalty.available_on }}</strong>"
        "{% if loyalty.order_number %}, quand la commande ne pourra plus être retournée{% endif %}\u00a0; "
        "vous pourrez les utiliser dès lors.</p>"
        "{% else %}<p>Vous pouvez les utiliser dès maintenant.</p>{% endif %}" + _closing("fr"),
    },
}

AVAILABLE = {
    "en": {
        "subject": "Your points at {{ shop.name }} are ready to use",
        "preheader": "{{ loyalty.points }}{% if loyalty.reason %} {{ loyalty.reason }}{% endif %} can now be used.",
        "html": "<h1>Your points are ready</h1>"
        + _HELLO["en"]
        + "<p><strong>{{ loyalty.points }}</strong>{% if loyalty.reason %} {{ loyalty.reason }}{% endif %} "
        "can now be used at {{ shop.name }}.</p>" + _closing("en"),
    },
    "fr": {
        "subject": "Vos points chez {{ shop.name }} sont disponibles",
        "preheader": "Vous pouvez maintenant utiliser {{ loyalty.points }}"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %}.",
        "html": "<h1>Vos points sont disponibles</h1>"
        + _HELLO["fr"]
        + "<p>Vous pouvez maintenant utiliser <strong>{{ loyalty.points }}</strong>"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %} chez {{ shop.name }}.</p>" + _closing("fr"),
    },
}

REVERSED = {
    "en": {
        "subject": "Your points balance at {{ shop.name }} has changed",
        "preheader": "{{ loyalty.change }}: your balance is now {{ loyalty.balance }}.",
        "html": "<h1>Your points balance has changed</h1>"
        + _HELLO["en"]
        + "<p>We have taken back <strong>{{ loyalty.points }}</strong>"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %}. Points are earned only on what you keep.</p>"
        "{% if loyalty.owed %}<p>Some of these points had already been used: {{ loyalty.owed }} "
        "will be deducted from the next points you earn.</p>{% endif %}" + _closing("en"),
    },
    "fr": {
        "subject": "Votre solde de points chez {{ shop.name }} a changé",
        "preheader": "{{ loyalty.change }}\u00a0: votre solde est maintenant de {{ loyalty.balance }}.",
        "html": "<h1>Votre solde de points a changé</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons retiré <strong>{{ loyalty.points }}</strong>"
        "{% if loyalty.reason %} {{ loyalty.reason }}{% endif %}. Les points ne sont acquis "
        "que sur ce que vous gardez.</p>"
        "{% if loyalty.owed %}<p>Une partie de ces points avait déjà été utilisée. "
        "À déduire de vos prochains points\u00a0: {{ loyalty.owed }}.</p>{% endif %}" + _closing("fr"),
    },
}

EXPIRING = {
    "en": {
        "subject": "Your points at {{ shop.name }} expire on {{ loyalty.expires_on }}",
        "preheader": "Earn or use points before then to keep them.",
        "html": "<h1>Your points expire soon</h1>"
        + _HELLO["en"]
        + "<p>Without any activity on your account by <strong>{{ loyalty.expires_on }}</strong>, "
        "the points in it will expire: <strong>{{ loyalty.points }}</strong>.</p>"
        "<p>To keep them, use them or earn new ones before then: any order that earns points counts.</p>"
        + _closing("en"),
    },
    "fr": {
        "subject": "Vos points chez {{ shop.name }} expirent le {{ loyalty.expires_on }}",
        "preheader": "Gagnez ou utilisez des points d’ici là pour les garder.",
        "html": "<h1>Vos points expirent bientôt</h1>"
        + _HELLO["fr"]
        + "<p>Sans activité sur votre compte d’ici le <strong>{{ loyalty.expires_on }}</strong>, "
        "les points qu’il contient expireront\u00a0: <strong>{{ loyalty.points }}</strong>.</p>"
        "<p>Pour les garder, utilisez-les ou gagnez-en de nouveaux d’ici là\u00a0: "
        "toute commande qui rapporte des points compte.</p>" + _closing("fr"),
    },
}


def loyalty_flow_specs() -> list[tuple[dict, list[dict]]]:
    return [
        event_email_spec(
            "loyalty-points-earned",
            {"en": "Loyalty points earned", "fr": "Points de fidélité gagnés"},
            "loyalty.points_earned",
            EARNED,
            stop_rules=["points_told_elsewhere"],
        ),
        event_email_spec(
            "loyalty-points-available",
            {"en": "Loyalty points available", "fr": "Points de fidélité disponibles"},
            "loyalty.points_available",
            AVAILABLE,
            stop_rules=["points_told_elsewhere"],
        ),
        event_email_spec(
            "loyalty-points-reversed",
            {"en": "Loyalty points taken back", "fr": "Points de fidélité retirés"},
            "loyalty.points_reversed",
            REVERSED,
        ),
        event_email_spec(
            "loyalty-points-expiring",
            {"en": "Loyalty points expiring soon", "fr": "Points de fidélité bientôt expirés"},
            "loyalty.points_expiring",
            EXPIRING,
        ),
    ]
