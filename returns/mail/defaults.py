"""The return emails every shop starts with, in English and French: transactional flows of the email
engine, one per return event, editable in the flows pages like any other step.

The approved email waits an hour: a prepaid label or QR code is bought right after approval and is
usually ready within seconds, so the email read at send time carries its link (the merchant can
set the delay to 0). A reminder follows seven days after approval if the parcel has not left; the
stop rules in rules.py check that when it is due.
"""

from datetime import time

from flows.models import FlowKind, Trigger

REMINDER_WINDOW = (time(10, 0), time(18, 0))

_HELLO = {
    "en": "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
    "fr": "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
}
_ITEMS = (
    "<ul>{% for item in return.items %}<li>{{ item.quantity }} × {{ item.title }}"
    "{% if item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor %}</ul>"
)
# An exchange's new items (returns/exchanges.py).
_NEW_ITEMS = (
    "<ul>{% for item in return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}"
    "{% if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}"
    "{% if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% endfor %}</ul>"
)
_EXCHANGE = '{% if return.resolution == "exchange_variant" %}'
# What the customer gets: the new item and when it ships, the store credit with its bonus, or the refund.
_GETS_IN_EXCHANGE = {
    "en": "<p>In exchange, you get:</p>"
    + _NEW_ITEMS
    + "<p><strong>When it ships:</strong> {{ return.exchange_ships }}</p>"
    "{% if return.credit_amount %}<p>The new item costs less: the difference, <strong>{{ return.credit_amount }}"
    "</strong>, comes to you as store credit once the return is complete.</p>{% endif %}",
    "fr": "<p>En échange, vous recevez\u00a0:</p>"
    + _NEW_ITEMS
    + "<p><strong>Son expédition\u00a0:</strong> {{ return.exchange_ships }}</p>"
    "{% if return.credit_amount %}<p>Le nouvel article coûte moins cher\u00a0: la différence, <strong>"
    "{{ return.credit_amount }}</strong>, vous revient en avoir une fois le retour terminé.</p>{% endif %}",
}
_REFUND = {
    "en": _EXCHANGE
    + _GETS_IN_EXCHANGE["en"]
    + "{% elif return.credit_amount %}<p>Store credit: <strong>{{ return.credit_amount }}</strong>"
    "{% if return.bonus_amount %} (including a bonus of {{ return.bonus_amount }}){% endif %}.</p>"
    "{% else %}<p>Refund: <strong>{{ return.refund_amount }}</strong>"
    "{% if return.fee %} (a return fee of {{ return.fee }} deducted){% endif %}.</p>{% endif %}",
    "fr": _EXCHANGE
    + _GETS_IN_EXCHANGE["fr"]
    + "{% elif return.credit_amount %}<p>Avoir\u00a0: <strong>{{ return.credit_amount }}</strong>"
    "{% if return.bonus_amount %} (dont un bonus de {{ return.bonus_amount }}){% endif %}.</p>"
    "{% else %}<p>Remboursement\u00a0: <strong>{{ return.refund_amount }}</strong>"
    "{% if return.fee %} (frais de retour de {{ return.fee }} déduits){% endif %}.</p>{% endif %}",
}
# What follows once nothing has to be sent back, or once the parcel is back.
_FOLLOWS = {
    "en": _EXCHANGE + "Your new item follows.{% elif return.credit_amount %}Your store credit follows."
    "{% else %}Your refund follows.{% endif %}",
    "fr": _EXCHANGE + "Votre nouvel article suit.{% elif return.credit_amount %}Votre avoir suit."
    "{% else %}Votre remboursement suit.{% endif %}",
}
# "the item" or "the items", as many as the customer returns.
_THE_ITEMS = {
    "en": '{% if return.item_count == "1" %}the item{% else %}the items{% endif %}',
    "fr": '{% if return.item_count == "1" %}l’article{% else %}les articles{% endif %}',
}
_KEPT = '{% if return.method == "keep_it" %}'
_BUTTON = '<p><a class="button" href="{{ return.url }}">%s</a></p>'
# Under a label or QR code button, the return's page is a plain link: one button says what to do.
_LINK = '<p><a href="{{ return.url }}">%s</a></p>'
_REPLY = {
    "en": "<p>A question? Just reply to this email, a real person will answer.</p>",
    "fr": "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
}

# A kept item's return once approved: resolved at once (lifecycle._kept_resolved), so it may be closed by now.
_KEPT_APPROVED = (
    '{% if return.method == "keep_it" and return.status != "requested" and return.status != "rejected" '
    'and return.status != "cancelled" %}'
)

# How to send the parcel back, by method: the label or QR code when ready, the address, or keep it.
_HOW_TO_SEND = {
    "en": '{% if return.method == "keep_it" %}'
    "<p>No need to send anything back: keep " + _THE_ITEMS["en"] + ". " + _FOLLOWS["en"] + "</p>"
    "{% elif return.label_url %}"
    "<p>Print your prepaid label, stick it on the parcel and drop it off with the carrier.</p>"
    '<p><a class="button" href="{{ return.label_url }}">Print my label</a></p>'
    "{% elif return.qr_code_url %}"
    "<p>Show this QR code at the drop-off point: they print the label for you.</p>"
    '<p><a class="button" href="{{ return.qr_code_url }}">Show my QR code</a></p>'
    '{% elif return.method == "ship_yourself" %}'
    "<p>Pack "
    + _THE_ITEMS["en"]
    + " carefully, write <strong>{{ return.rma }}</strong> on a note inside the parcel and send it to:</p>"
    "{% if return.return_address %}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>"
    "{% else %}<p>reply to this email and we will give you our return address.</p>{% endif %}"
    "<p>Keep your shipping receipt until "
    '{% if return.resolution == "refund" %}your refund arrives{% else %}your return is complete{% endif %}.</p>'
    "{% else %}"
    '<p>Your {% if return.method == "qr_dropoff" %}QR code{% else %}prepaid label{% endif %} is being prepared: '
    "you will find it on your return's page as soon as it is ready.</p>"
    "{% endif %}",
    "fr": '{% if return.method == "keep_it" %}'
    "<p>Inutile de nous renvoyer quoi que ce soit\u00a0: gardez " + _THE_ITEMS["fr"] + ". " + _FOLLOWS["fr"] + "</p>"
    "{% elif return.label_url %}"
    "<p>Imprimez votre étiquette prépayée, collez-la sur le colis et déposez-le chez le transporteur.</p>"
    '<p><a class="button" href="{{ return.label_url }}">Imprimer mon étiquette</a></p>'
    "{% elif return.qr_code_url %}"
    "<p>Présentez ce QR code au point de dépôt\u00a0: l’étiquette y est imprimée pour vous.</p>"
    '<p><a class="button" href="{{ return.qr_code_url }}">Afficher mon QR code</a></p>'
    '{% elif return.method == "ship_yourself" %}'
    "<p>Emballez soigneusement "
    + _THE_ITEMS["fr"]
    + ", glissez dans le colis un mot indiquant <strong>{{ return.rma }}</strong> "
    "et envoyez-le à\u00a0:</p>"
    "{% if return.return_address %}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>"
    "{% else %}<p>répondez à cet e-mail et nous vous donnerons notre adresse de retour.</p>{% endif %}"
    "<p>Gardez votre preuve de dépôt jusqu’à "
    '{% if return.resolution == "refund" %}votre remboursement{% else %}la fin de votre retour{% endif %}.</p>'
    "{% else %}"
    '<p>Votre {% if return.method == "qr_dropoff" %}QR code{% else %}étiquette prépayée{% endif %} est en préparation\u00a0: '
    "vous la trouverez sur la page de votre retour dès qu’elle sera prête.</p>"
    "{% endif %}",
}

REQUESTED = {
    "en": {
        "subject": "Your return {{ return.rma }} is registered",
        "preheader": '{% if return.status == "approved" %}It is approved: how to send it back follows.'
        "{% else %}We will review it and get back to you.{% endif %}",
        "html": "<h1>We have your return request</h1>"
        + _HELLO["en"]
        + "<p>Your return <strong>{{ return.rma }}</strong> for order {{ order.number }} is registered:</p>"
        + _ITEMS
        + _REFUND["en"]
        + _KEPT_APPROVED
        + "<p>Good news: it is approved "
        "already, and you can keep " + _THE_ITEMS["en"] + ".</p>"
        '{% elif return.status == "approved" %}<p>Good news: it is approved already. '
        "How to send it back follows in a separate email.</p>"
        '{% elif return.status == "requested" and return.method == "keep_it" %}<p>What happens next: we review '
        "your request and email you our answer. Once it is approved, you keep "
        + _THE_ITEMS["en"]
        + ": nothing to send back.</p>"
        '{% elif return.status == "requested" %}<p>What happens next: we review your request and email you our answer. '
        "Once it is approved, we tell you how to send "
        + _THE_ITEMS["en"]
        + " back.</p>{% endif %}"
        + _BUTTON % "Follow my return"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre retour {{ return.rma }} est enregistré",
        "preheader": '{% if return.status == "approved" %}Il est accepté\u00a0: les instructions d’envoi suivent.'
        "{% else %}Nous l’examinons et revenons vers vous.{% endif %}",
        "html": "<h1>Nous avons bien reçu votre demande de retour</h1>"
        + _HELLO["fr"]
        + "<p>Votre retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number }} est enregistré\u00a0:</p>"
        + _ITEMS
        + _REFUND["fr"]
        + _KEPT_APPROVED
        + "<p>Bonne nouvelle\u00a0: il est "
        "déjà accepté, et vous pouvez garder " + _THE_ITEMS["fr"] + ".</p>"
        '{% elif return.status == "approved" %}<p>Bonne nouvelle\u00a0: il est déjà accepté. '
        "Les instructions pour nous renvoyer " + _THE_ITEMS["fr"] + " suivent dans un autre e-mail.</p>"
        '{% elif return.status == "requested" and return.method == "keep_it" %}<p>La suite\u00a0: nous examinons '
        "votre demande et vous répondons par e-mail. Une fois le retour accepté, vous gardez "
        + _THE_ITEMS["fr"]
        + "\u00a0: rien à nous renvoyer.</p>"
        '{% elif return.status == "requested" %}<p>La suite\u00a0: nous examinons votre demande et vous répondons par e-mail. '
        "Une fois le retour accepté, nous vous expliquons comment nous renvoyer "
        + _THE_ITEMS["fr"]
        + ".</p>{% endif %}"
        + _BUTTON % "Suivre mon retour"
        + _REPLY["fr"],
    },
}

APPROVED = {
    "en": {
        "subject": "Your return {{ return.rma }} is approved",
        "preheader": '{% if return.method == "keep_it" %}Nothing to send back.'
        "{% else %}Here is how to send it back.{% endif %}",
        "html": "<h1>Your return is approved</h1>"
        + _HELLO["en"]
        + "<p>Your return <strong>{{ return.rma }}</strong> for order {{ order.number }} is approved.</p>"
        + _HOW_TO_SEND["en"]
        + _KEPT
        + "<p>What you keep:</p>{% else %}<p>What you are returning:</p>{% endif %}"
        + _ITEMS
        + _REFUND["en"]
        + _LINK % "See my return and how it is going"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre retour {{ return.rma }} est accepté",
        "preheader": '{% if return.method == "keep_it" %}Rien à renvoyer.'
        "{% else %}Voici comment nous renvoyer votre colis.{% endif %}",
        "html": "<h1>Votre retour est accepté</h1>"
        + _HELLO["fr"]
        + "<p>Votre retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number }} est accepté.</p>"
        + _HOW_TO_SEND["fr"]
        + _KEPT
        + "<p>Ce que vous gardez\u00a0:</p>{% else %}<p>Ce que vous nous retournez\u00a0:</p>{% endif %}"
        + _ITEMS
        + _REFUND["fr"]
        + _LINK % "Voir mon retour et où il en est"
        + _REPLY["fr"],
    },
}

REMINDER = {
    "en": {
        "subject": "A reminder about your return {{ return.rma }}",
        "preheader": "Your parcel has not left yet: here is how to send it.",
        "html": "<h1>Don't forget your return</h1>"
        + _HELLO["en"]
        + "<p>Your return <strong>{{ return.rma }}</strong> for order {{ order.number }} was approved, "
        "but the parcel has not left yet. " + _EXCHANGE + "<strong>Your new item:</strong> {{ return.exchange_ships }}"
        "{% elif return.credit_amount %}Your store credit is added once it is back with us."
        "{% else %}Your refund is sent once it is back with us.{% endif %}</p>"
        + _HOW_TO_SEND["en"]
        + _LINK % "See my return and how it is going"
        + "<p>Sent it already, or changed your mind? Reply to this email and tell us.</p>",
    },
    "fr": {
        "subject": "Un rappel pour votre retour {{ return.rma }}",
        "preheader": "Votre colis n’est pas encore parti\u00a0: voici comment l’envoyer.",
        "html": "<h1>N’oubliez pas votre retour</h1>"
        + _HELLO["fr"]
        + "<p>Votre retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number }} a été accepté, "
        "mais le colis n’est pas encore parti. "
        + _EXCHANGE
        + "<strong>Votre nouvel article\u00a0:</strong> {{ return.exchange_ships }}"
        "{% elif return.credit_amount %}Votre avoir est ajouté dès qu’il nous est parvenu."
        "{% else %}Nous vous remboursons dès qu’il nous est parvenu.{% endif %}</p>"
        + _HOW_TO_SEND["fr"]
        + _LINK % "Voir mon retour et où il en est"
        + "<p>Déjà envoyé, ou vous avez changé d’avis\u00a0? Répondez à cet e-mail pour nous le dire.</p>",
    },
}

REJECTED = {
    "en": {
        "subject": "About your return {{ return.rma }}",
        "preheader": "We cannot accept this return, and here is why.",
        "html": "<h1>We cannot accept your return</h1>"
        + _HELLO["en"]
        + "<p>We have looked at your return <strong>{{ return.rma }}</strong> for order {{ order.number }} "
        "and we cannot accept it, for this reason:</p>"
        "<p><strong>{{ return.rejection_reason }}</strong></p>"
        + _ITEMS
        + "<p>If you think we got it wrong, reply to this email: a real person will read it and look again.</p>",
    },
    "fr": {
        "subject": "À propos de votre retour {{ return.rma }}",
        "preheader": "Nous ne pouvons pas accepter ce retour, voici pourquoi.",
        "html": "<h1>Nous ne pouvons pas accepter votre retour</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons examiné votre retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number }} "
        "et nous ne pouvons pas l’accepter, pour la raison suivante\u00a0:</p>"
        "<p><strong>{{ return.rejection_reason }}</strong></p>"
        + _ITEMS
        + "<p>Si vous pensez que nous nous trompons, répondez à cet e-mail\u00a0: une vraie personne le lira "
        "et réexaminera votre demande.</p>",
    },
}

RECEIVED = {
    "en": {
        "subject": "We have received your return {{ return.rma }}",
        "preheader": _EXCHANGE + "Your new item follows."
        "{% elif return.credit_amount %}Your store credit of {{ return.credit_amount }} follows."
        "{% else %}Your refund of {{ return.refund_amount }} follows.{% endif %}",
        "html": "<h1>Your return is back with us</h1>"
        + _HELLO["en"]
        + "<p>The parcel of your return <strong>{{ return.rma }}</strong> for order {{ order.number }} has arrived:</p>"
        + _ITEMS
        + _EXCHANGE
        + _GETS_IN_EXCHANGE["en"]
        + "{% else %}<p>{% if return.credit_amount %}Your store credit of <strong>{{ return.credit_amount }}</strong>"
        "{% if return.bonus_amount %} (including a bonus of {{ return.bonus_amount }}){% endif %}"
        "{% else %}Your refund of <strong>{{ return.refund_amount }}</strong>{% endif %} follows: "
        "we will email you as soon as it is issued.</p>{% endif %}" + _BUTTON % "Follow my return" + _REPLY["en"],
    },
    "fr": {
        "subject": "Nous avons reçu votre retour {{ return.rma }}",
        "preheader": _EXCHANGE + "Votre nouvel article suit."
        "{% elif return.credit_amount %}Votre avoir de {{ return.credit_amount }} suit."
        "{% else %}Votre remboursement de {{ return.refund_amount }} suit.{% endif %}",
        "html": "<h1>Votre retour nous est parvenu</h1>"
        + _HELLO["fr"]
        + "<p>Le colis de votre retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number }} est arrivé\u00a0:</p>"
        + _ITEMS
        + _EXCHANGE
        + _GETS_IN_EXCHANGE["fr"]
        + "{% else %}<p>{% if return.credit_amount %}Votre avoir de <strong>{{ return.credit_amount }}</strong>"
        "{% if return.bonus_amount %} (dont un bonus de {{ return.bonus_amount }}){% endif %}"
        "{% else %}Votre remboursement de <strong>{{ return.refund_amount }}</strong>{% endif %} suit\u00a0: "
        "nous vous écrirons dès qu’il sera effectué.</p>{% endif %}" + _BUTTON % "Suivre mon retour" + _REPLY["fr"],
    },
}

# Sent when the return closes: the exchange is on its way, the store credit was added to the customer's wallet
# (with its code, which the wallet's own email gives too), or the refund is done.
_CODE = {
    "en": "{% if return.credit_code %}<p>Your code to use at checkout: <strong>{{ return.credit_code }}</strong></p>"
    "{% else %}<p>A separate email gives you the code to use at checkout.</p>{% endif %}",
    "fr": "{% if return.credit_code %}<p>Votre code à saisir lors de votre commande\u00a0: "
    "<strong>{{ return.credit_code }}</strong></p>"
    "{% else %}<p>Un autre e-mail vous donne le code à utiliser lors de votre commande.</p>{% endif %}",
}
REFUNDED = {
    "en": {
        "subject": _EXCHANGE + "Your return {{ return.rma }} is complete"
        "{% elif return.credit_amount %}Your store credit of {{ return.credit_amount }} is ready"
        "{% else %}Your refund of {{ return.refund_amount }} is on its way{% endif %}",
        "preheader": "Return {{ return.rma }} is complete.",
        "html": _EXCHANGE
        + "<h1>Your return is complete</h1>"
        + _HELLO["en"]
        + "<p>Your return <strong>{{ return.rma }}</strong> (order {{ order.number }}) is complete. In exchange, "
        "you get:</p>" + _NEW_ITEMS + "{% if return.exchange_tracking_url %}<p>It is on its way: "
        '<a href="{{ return.exchange_tracking_url }}">follow the parcel</a>.</p>'
        "{% else %}<p><strong>When it ships:</strong> {{ return.exchange_ships }}</p>{% endif %}"
        "{% if return.credit_amount %}<p>The new item costs less: we have added the difference, <strong>"
        "{{ return.credit_amount }}</strong>, to your account as store credit.</p>" + _CODE["en"] + "{% endif %}"
        "{% elif return.credit_amount %}<h1>Your store credit is ready</h1>"
        + _HELLO["en"]
        + "<p>We have added <strong>{{ return.credit_amount }}</strong> of store credit to your account for your "
        "return <strong>{{ return.rma }}</strong> (order {{ order.number }})"
        "{% if return.bonus_amount %}, including a bonus of {{ return.bonus_amount }}{% endif %}.</p>"
        + _CODE["en"]
        + "{% else %}<h1>Your refund is on its way</h1>"
        + _HELLO["en"]
        + "<p>We have refunded <strong>{{ return.refund_amount }}</strong> for your return "
        "<strong>{{ return.rma }}</strong> (order {{ order.number }}) to your original payment method"
        "{% if return.fee %}, after a return fee of {{ return.fee }}{% endif %}.</p>"
        "<p>Depending on your bank, it may take a few days to show on your account.</p>{% endif %}"
        + _KEPT
        + "<p>What you kept:</p>{% else %}<p>What you returned:</p>{% endif %}"
        + _ITEMS
        + _BUTTON % "See my return"
        + "<p>Thank you for your patience. A question? Just reply to this email.</p>",
    },
    "fr": {
        "subject": _EXCHANGE + "Votre retour {{ return.rma }} est terminé"
        "{% elif return.credit_amount %}Votre avoir de {{ return.credit_amount }} est prêt"
        "{% else %}Votre remboursement de {{ return.refund_amount }} est en route{% endif %}",
        "preheader": "Le retour {{ return.rma }} est terminé.",
        "html": _EXCHANGE
        + "<h1>Votre retour est terminé</h1>"
        + _HELLO["fr"]
        + "<p>Votre retour <strong>{{ return.rma }}</strong> (commande {{ order.number }}) est terminé. "
        "En échange, vous recevez\u00a0:</p>"
        + _NEW_ITEMS
        + "{% if return.exchange_tracking_url %}<p>Il est en route\u00a0: "
        '<a href="{{ return.exchange_tracking_url }}">suivre le colis</a>.</p>'
        "{% else %}<p><strong>Son expédition\u00a0:</strong> {{ return.exchange_ships }}</p>{% endif %}"
        "{% if return.credit_amount %}<p>Le nouvel article coûte moins cher\u00a0: nous avons ajouté la différence, "
        "<strong>{{ return.credit_amount }}</strong>, à votre compte en avoir.</p>" + _CODE["fr"] + "{% endif %}"
        "{% elif return.credit_amount %}<h1>Votre avoir est prêt</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons ajouté un avoir de <strong>{{ return.credit_amount }}</strong> à votre compte pour votre "
        "retour <strong>{{ return.rma }}</strong> (commande {{ order.number }})"
        "{% if return.bonus_amount %}, dont un bonus de {{ return.bonus_amount }}{% endif %}.</p>"
        + _CODE["fr"]
        + "{% else %}<h1>Votre remboursement est en route</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons remboursé <strong>{{ return.refund_amount }}</strong> pour votre retour "
        "<strong>{{ return.rma }}</strong> (commande {{ order.number }}) sur votre moyen de paiement d’origine"
        "{% if return.fee %}, après des frais de retour de {{ return.fee }}{% endif %}.</p>"
        "<p>Selon votre banque, il peut apparaître sur votre compte d’ici quelques jours.</p>{% endif %}"
        + _KEPT
        + "<p>Ce que vous avez gardé\u00a0:</p>{% else %}<p>Ce que vous avez retourné\u00a0:</p>{% endif %}"
        + _ITEMS
        + _BUTTON % "Voir mon retour"
        + "<p>Merci pour votre patience. Une question\u00a0? Répondez simplement à cet e-mail.</p>",
    },
}


# Exchanges (returns/exchanges.py): what a cheaper new item leaves as store credit.
_DIFFERENCE = {
    "en": "{% if return.credit_amount %}<p>The new item costs less: the difference, <strong>{{ return.credit_amount }}"
    "</strong>, comes to you as store credit once the return is complete.</p>"
    "{% elif return.exchange_due %}<p>The new item costs more: you pay the difference, <strong>"
    "{{ return.exchange_due }}</strong>, in the shop, through the link we email you when your exchange order "
    "is made.</p>{% endif %}",
    "fr": "{% if return.credit_amount %}<p>Le nouvel article coûte moins cher : la différence, <strong>"
    "{{ return.credit_amount }}</strong>, vous revient en avoir une fois le retour terminé.</p>"
    "{% elif return.exchange_due %}<p>Le nouvel article coûte plus cher\u00a0: vous réglez la différence, <strong>"
    "{{ return.exchange_due }}</strong>, dans la boutique, grâce au lien que nous vous envoyons par e-mail quand "
    "la commande de votre échange est créée.</p>{% endif %}",
}

EXCHANGE_CONFIRMED = {
    "en": {
        "subject": "Your exchange {{ return.rma }} is confirmed",
        "preheader": "{{ return.exchange_ships }}",
        "html": "<h1>Your exchange is confirmed</h1>"
        + _HELLO["en"]
        + "<p>We have set aside your new item for your return <strong>{{ return.rma }}</strong> "
        "(order {{ order.number }}):</p>"
        + _NEW_ITEMS
        + "<p><strong>When it ships:</strong> {{ return.exchange_ships }}</p>"
        + _DIFFERENCE["en"]
        + _KEPT
        + "<p>Nothing to send back: you keep "
        + _THE_ITEMS["en"]
        + ".</p>{% else %}<p>Send back what you return as your return's page explains.</p>{% endif %}"
        + _BUTTON % "Follow my exchange"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre échange {{ return.rma }} est confirmé",
        "preheader": "{{ return.exchange_ships }}",
        "html": "<h1>Votre échange est confirmé</h1>"
        + _HELLO["fr"]
        + "<p>Nous avons mis de côté votre nouvel article pour votre retour <strong>{{ return.rma }}</strong> "
        "(commande {{ order.number }}) :</p>"
        + _NEW_ITEMS
        + "<p><strong>Son expédition :</strong> {{ return.exchange_ships }}</p>"
        + _DIFFERENCE["fr"]
        + _KEPT
        + "<p>Rien à nous renvoyer\u00a0: vous gardez "
        + _THE_ITEMS["fr"]
        + ".</p>{% else %}<p>Renvoyez ce que vous retournez comme l’explique la page de votre retour.</p>{% endif %}"
        + _BUTTON % "Suivre mon échange"
        + _REPLY["fr"],
    },
}

EXCHANGE_SHIPPED = {
    "en": {
        "subject": "Your exchange {{ return.rma }} is on its way",
        "preheader": "Your new item has shipped.",
        "html": "<h1>Your new item is on its way</h1>"
        + _HELLO["en"]
        + "<p>The new item of your exchange <strong>{{ return.rma }}</strong> (order {{ order.number }}) has shipped:</p>"
        + _NEW_ITEMS
        + '{% if return.exchange_tracking_url %}<p><a class="button" href="{{ return.exchange_tracking_url }}">'
        "Track my parcel</a></p>{% endif %}"
        "{% if return.exchange_tracking_number %}<p>Tracking number: {{ return.exchange_tracking_number }}</p>{% endif %}"
        + _LINK % "See my exchange"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre échange {{ return.rma }} est en route",
        "preheader": "Votre nouvel article est expédié.",
        "html": "<h1>Votre nouvel article est en route</h1>"
        + _HELLO["fr"]
        + "<p>Le nouvel article de votre échange <strong>{{ return.rma }}</strong> (commande {{ order.number }}) "
        "est expédié :</p>"
        + _NEW_ITEMS
        + '{% if return.exchange_tracking_url %}<p><a class="button" href="{{ return.exchange_tracking_url }}">'
        "Suivre mon colis</a></p>{% endif %}"
        "{% if return.exchange_tracking_number %}<p>Numéro de suivi : {{ return.exchange_tracking_number }}</p>"
        "{% endif %}" + _LINK % "Voir mon échange" + _REPLY["fr"],
    },
}


EXCHANGE_PAYMENT_DUE = {
    "en": {
        "subject": "Your exchange {{ return.rma }}: pay the difference to receive your new item",
        "preheader": "{{ return.exchange_due }} to pay, then the shop sends it.",
        "html": "<h1>One step left: pay the difference</h1>"
        + _HELLO["en"]
        + "<p>The shop has prepared the order for your exchange <strong>{{ return.rma }}</strong> "
        "(order {{ order.number }}):</p>"
        + _NEW_ITEMS
        + "<p>It costs <strong>{{ return.exchange_due }}</strong> more than what you return. "
        "Your new item is set aside, and the shop sends it once you have paid the difference.</p>"
        '{% if return.exchange_payment_url %}<p><a class="button" href="{{ return.exchange_payment_url }}">'
        "Pay {{ return.exchange_due }}</a></p>{% else %}<p>The shop sends you the link to pay it.</p>{% endif %}"
        + _LINK % "See my exchange"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre échange {{ return.rma }}\u00a0: réglez la différence pour recevoir votre nouvel article",
        "preheader": "{{ return.exchange_due }} à régler, puis la boutique l’expédie.",
        "html": "<h1>Plus qu’une étape\u00a0: régler la différence</h1>"
        + _HELLO["fr"]
        + "<p>La boutique a préparé la commande de votre échange <strong>{{ return.rma }}</strong> "
        "(commande {{ order.number }})\u00a0:</p>"
        + _NEW_ITEMS
        + "<p>Il coûte <strong>{{ return.exchange_due }}</strong> de plus que ce que vous retournez. "
        "Votre nouvel article est mis de côté, et la boutique l’expédie dès que vous avez réglé la différence.</p>"
        '{% if return.exchange_payment_url %}<p><a class="button" href="{{ return.exchange_payment_url }}">'
        "Régler {{ return.exchange_due }}</a></p>{% else %}<p>La boutique vous envoie le lien pour la régler.</p>{% endif %}"
        + _LINK % "Voir mon échange"
        + _REPLY["fr"],
    },
}


EXCHANGE_SOLD_OUT = {
    "en": {
        "subject": "About your exchange {{ return.rma }}: the new item sold out",
        "preheader": "Choose store credit or a refund instead.",
        "html": "<h1>Sorry: your new item sold out</h1>"
        + _HELLO["en"]
        + "<p>The item you chose for your exchange <strong>{{ return.rma }}</strong> (order {{ order.number }}) "
        "sold out before we could send it:</p>"
        + _NEW_ITEMS
        + "<p>Choose what you would like instead, store credit or a refund, on your return's page.</p>"
        + _BUTTON % "Choose credit or a refund"
        + _REPLY["en"],
    },
    "fr": {
        "subject": "À propos de votre échange {{ return.rma }} : le nouvel article est épuisé",
        "preheader": "Choisissez un avoir ou un remboursement à la place.",
        "html": "<h1>Désolé : votre nouvel article est épuisé</h1>"
        + _HELLO["fr"]
        + "<p>L’article choisi pour votre échange <strong>{{ return.rma }}</strong> (commande {{ order.number }}) "
        "s’est épuisé avant que nous puissions l’envoyer :</p>"
        + _NEW_ITEMS
        + "<p>Choisissez ce que vous souhaitez à la place, un avoir ou un remboursement, sur la page de votre retour.</p>"
        + _BUTTON % "Choisir un avoir ou un remboursement"
        + _REPLY["fr"],
    },
}


def exchange_flow_specs() -> list[tuple[dict, list[dict]]]:
    """The exchange emails: confirmed (what, when it ships), shipped (the tracking link), and sold out (the
    customer chooses credit or a refund instead)."""
    confirmed = {"en": "Exchange confirmed", "fr": "Échange confirmé"}
    shipped = {"en": "Exchange shipped", "fr": "Échange expédié"}
    sold_out = {"en": "Exchange sold out", "fr": "Échange en rupture de stock"}
    return [
        *exchange_payment_flow_specs(),
        _flow(
            "exchange-confirmed",
            confirmed,
            "exchange.confirmed",
            [_step("exchange-confirmed", confirmed, EXCHANGE_CONFIRMED)],
        ),
        _flow("exchange-shipped", shipped, "exchange.shipped", [_step("exchange-shipped", shipped, EXCHANGE_SHIPPED)]),
        _flow(
            "exchange-sold-out",
            sold_out,
            "exchange.sold_out",
            [_step("exchange-sold-out", sold_out, EXCHANGE_SOLD_OUT)],
        ),
    ]


def exchange_payment_flow_specs() -> list[tuple[dict, list[dict]]]:
    """A dearer exchange's email: the shop made its order, and here is the link to pay the difference."""
    due = {"en": "Exchange difference to pay", "fr": "Différence d’échange à régler"}
    return [
        _flow(
            "exchange-payment-due",
            due,
            "exchange.payment_due",
            [_step("exchange-payment-due", due, EXCHANGE_PAYMENT_DUE)],
        )
    ]


def _step(key: str, name: dict, templates: dict, **attributes) -> dict:
    return {"key": key, "name": name, "delay_days": 0, "stop_rules": [], "window": None, "templates": templates} | (
        attributes
    )


def _flow(key: str, name: dict, event_kind: str, steps: list[dict]) -> tuple[dict, list[dict]]:
    flow = {
        "key": key,
        "name": name,
        "kind": FlowKind.TRANSACTIONAL,
        "trigger": Trigger.EVENT,
        "event_kind": event_kind,
        "trigger_status": "",
        "anchor": "trigger",
    }
    return flow, steps


def return_flow_specs() -> list[tuple[dict, list[dict]]]:
    """The return flows as flows.defaults shapes them: (flow attributes, steps)."""
    approved = {"en": "Return approved", "fr": "Retour accepté"}
    return [
        _flow(
            "return-requested",
            {"en": "Return requested", "fr": "Retour demandé"},
            "return.requested",
            [_step("return-requested", {"en": "Return requested", "fr": "Retour demandé"}, REQUESTED)],
        ),
        _flow(
            "return-approved",
            approved,
            "return.approved",
            [
                _step("return-approved", approved, APPROVED, delay_hours=1, stop_rules=["return_cancelled"]),
                _step(
                    "return-reminder",
                    {"en": "J+7 Return not sent yet", "fr": "J+7 Retour pas encore envoyé"},
                    REMINDER,
                    delay_days=7,
                    window=REMINDER_WINDOW,
                    stop_rules=["return_moved_on", "return_kept"],
                ),
            ],
        ),
        _flow(
            "return-rejected",
            {"en": "Return rejected", "fr": "Retour refusé"},
            "return.rejected",
            [_step("return-rejected", {"en": "Return rejected", "fr": "Retour refusé"}, REJECTED)],
        ),
        _flow(
            "return-received",
            {"en": "Return received", "fr": "Retour reçu"},
            "return.received",
            [_step("return-received", {"en": "Return received", "fr": "Retour reçu"}, RECEIVED)],
        ),
        _flow(
            "return-refunded",
            {"en": "Refund issued", "fr": "Remboursement effectué"},
            "return.closed",
            [_step("return-refunded", {"en": "Refund issued", "fr": "Remboursement effectué"}, REFUNDED)],
        ),
    ]
