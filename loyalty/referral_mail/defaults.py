"""The referral emails every shop starts with, in English and French: transactional flows of the email
engine, editable in the flows pages like any other step."""

from flows.defaults import event_email_spec

_HELLO = {
    "en": "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
    "fr": "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
}
_CODE = '<p style="font-size:1.4em;letter-spacing:.08em"><strong>{{ referral.code }}</strong></p>'
_REPLY = {
    "en": "<p>A question? Just reply to this email, a real person will answer.</p>",
    "fr": "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
}

WELCOME = {
    "en": {
        "subject": "{{ referral.referrer_name }} invites you to {{ shop.name }}: {{ referral.offer }}",
        "preheader": "Your welcome code for a first order, for you alone.",
        "html": "<h1>Welcome to {{ shop.name }}</h1>"
        + _HELLO["en"]
        + "<p>{{ referral.referrer_name }} thought you would like {{ shop.name }}. For your first order, "
        "here is <strong>{{ referral.offer }}</strong>{% if referral.minimum %} {{ referral.minimum }}{% endif %}. "
        "Enter this code at checkout:</p>" + _CODE + "<p>It works once, for you alone, with this email address.</p>"
        '{% if shop.url %}<p><a class="button" href="{{ shop.url }}">Visit {{ shop.name }}</a></p>{% endif %}'
        + _REPLY["en"],
    },
    "fr": {
        "subject": "{{ referral.referrer_name }} vous invite chez {{ shop.name }}\u00a0: {{ referral.offer }}",
        "preheader": "Votre code de bienvenue pour une première commande, rien que pour vous.",
        "html": "<h1>Bienvenue chez {{ shop.name }}</h1>"
        + _HELLO["fr"]
        + "<p>{{ referral.referrer_name }} a pensé que {{ shop.name }} vous plairait. Pour votre première "
        "commande, voici <strong>{{ referral.offer }}</strong>{% if referral.minimum %} {{ referral.minimum }}{% endif %}. "
        "Saisissez ce code lors du paiement\u00a0:</p>"
        + _CODE
        + "<p>Il vaut une fois, rien que pour vous, avec cette adresse e-mail.</p>"
        '{% if shop.url %}<p><a class="button" href="{{ shop.url }}">Découvrir {{ shop.name }}</a></p>{% endif %}'
        + _REPLY["fr"],
    },
}

COMPLETED = {
    "en": {
        "subject": "Your friend ordered at {{ shop.name }}: +{{ referral.points }} points",
        "preheader": "Thank you for inviting them. Your points are ready to use.",
        "html": "<h1>+{{ referral.points }} points for you</h1>"
        + _HELLO["en"]
        + "<p>The friend you invited to {{ shop.name }} placed their first order and kept it. Thank you: "
        "<strong>{{ referral.points }} points</strong> have been added to your account, ready to use.</p>"
        "<p>Invite more friends with your link: each one who orders earns you points again.</p>"
        '<p><a class="button" href="{{ referral.url }}">See my points</a></p>' + _REPLY["en"],
    },
    "fr": {
        "subject": "La personne que vous avez invitée a commandé chez {{ shop.name }}\u00a0: +{{ referral.points }} points",
        "preheader": "Merci pour votre invitation. Vos points sont prêts à être utilisés.",
        "html": "<h1>+{{ referral.points }} points pour vous</h1>"
        + _HELLO["fr"]
        + "<p>La personne que vous avez invitée chez {{ shop.name }} a passé sa première commande et l’a "
        "gardée. Merci\u00a0: <strong>{{ referral.points }} points</strong> ont été ajoutés à votre compte, "
        "prêts à être utilisés.</p>"
        "<p>Invitez d’autres amis avec votre lien\u00a0: chaque première commande vous rapporte à nouveau des points.</p>"
        '<p><a class="button" href="{{ referral.url }}">Voir mes points</a></p>' + _REPLY["fr"],
    },
}


def referral_flow_specs() -> list[tuple[dict, list[dict]]]:
    return [
        event_email_spec(
            "referral-welcome",
            {"en": "Referral welcome code", "fr": "Code de bienvenue du parrainage"},
            "referral.invited",
            WELCOME,
        ),
        event_email_spec(
            "referral-completed",
            {"en": "Referral rewarded", "fr": "Parrainage récompensé"},
            "referral.completed",
            COMPLETED,
        ),
    ]
