"""Return emails say store credit instead of refund for the store credit and shop now resolutions.

Shops that installed the return flows before get the new wording for each template they did not
edit (still exactly the old default); an edited template is left as the shop wrote it.
Generated from returns/mail/defaults.py before and after; frozen here so later edits change nothing.
"""

from django.db import migrations

# (step key, language) → (the old default, the new one), each {"subject", "preheader", "html"}.
CHANGES = {
    ("return-approved", "en"): (
        {
            "html": "<h1>Your return is approved</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Your return <strong>{{ return.rma "
            "}}</strong> for order {{ order.number }} is approved.</p>{% if "
            'return.method == "keep_it" %}<p>No need to send anything back: keep {% if '
            'return.item_count == "1" %}the item{% else %}the items{% endif %}. Your '
            "refund follows.</p>{% elif return.label_url %}<p>Print your prepaid label, "
            "stick it on the parcel and drop it off with the carrier.</p><p><a "
            'class="button" href="{{ return.label_url }}">Print my label</a></p>{% elif '
            "return.qr_code_url %}<p>Show this QR code at the drop-off point: they "
            'print the label for you.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Show my QR code</a></p>{% elif return.method == '
            '"ship_yourself" %}<p>Pack {% if return.item_count == "1" %}the item{% else '
            "%}the items{% endif %} carefully, write <strong>{{ return.rma }}</strong> "
            "on a note inside the parcel and send it to:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% else "
            "%}<p>reply to this email and we will give you our return address.</p>{% "
            "endif %}<p>Keep your shipping receipt until your refund arrives.</p>{% "
            'else %}<p>Your {% if return.method == "qr_dropoff" %}QR code{% else '
            "%}prepaid label{% endif %} is being prepared: you will find it on your "
            "return's page as soon as it is ready.</p>{% endif %}<p>What you are "
            "returning:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × "
            "{{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul><p>Refund: <strong>{{ "
            "return.refund_amount }}</strong>{% if return.fee %} (a return fee of {{ "
            'return.fee }} deducted){% endif %}.</p><p><a href="{{ return.url }}">See '
            "my return and how it is going</a></p><p>A question? Just reply to this "
            "email, a real person will answer.</p>",
            "preheader": '{% if return.method == "keep_it" %}Your refund follows: nothing to '
            "send back.{% else %}Here is how to send it back.{% endif %}",
            "subject": "Your return {{ return.rma }} is approved",
        },
        {
            "html": "<h1>Your return is approved</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Your return <strong>{{ return.rma "
            "}}</strong> for order {{ order.number }} is approved.</p>{% if "
            'return.method == "keep_it" %}<p>No need to send anything back: keep {% if '
            'return.item_count == "1" %}the item{% else %}the items{% endif %}. Your '
            "refund follows.</p>{% elif return.label_url %}<p>Print your prepaid label, "
            "stick it on the parcel and drop it off with the carrier.</p><p><a "
            'class="button" href="{{ return.label_url }}">Print my label</a></p>{% elif '
            "return.qr_code_url %}<p>Show this QR code at the drop-off point: they "
            'print the label for you.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Show my QR code</a></p>{% elif return.method == '
            '"ship_yourself" %}<p>Pack {% if return.item_count == "1" %}the item{% else '
            "%}the items{% endif %} carefully, write <strong>{{ return.rma }}</strong> "
            "on a note inside the parcel and send it to:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% else "
            "%}<p>reply to this email and we will give you our return address.</p>{% "
            "endif %}<p>Keep your shipping receipt until your refund arrives.</p>{% "
            'else %}<p>Your {% if return.method == "qr_dropoff" %}QR code{% else '
            "%}prepaid label{% endif %} is being prepared: you will find it on your "
            "return's page as soon as it is ready.</p>{% endif %}<p>What you are "
            "returning:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × "
            "{{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul>{% if return.credit_amount %}<p>Store "
            "credit: <strong>{{ return.credit_amount }}</strong>{% if "
            "return.bonus_amount %} (including a bonus of {{ return.bonus_amount }}){% "
            "endif %}.</p>{% else %}<p>Refund: <strong>{{ return.refund_amount "
            "}}</strong>{% if return.fee %} (a return fee of {{ return.fee }} "
            'deducted){% endif %}.</p>{% endif %}<p><a href="{{ return.url }}">See my '
            "return and how it is going</a></p><p>A question? Just reply to this email, "
            "a real person will answer.</p>",
            "preheader": '{% if return.method == "keep_it" %}Your refund follows: nothing to '
            "send back.{% else %}Here is how to send it back.{% endif %}",
            "subject": "Your return {{ return.rma }} is approved",
        },
    ),
    ("return-approved", "fr"): (
        {
            "html": "<h1>Votre retour est accepté</h1><p>Bonjour{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Votre retour <strong>{{ "
            "return.rma }}</strong> pour la commande {{ order.number }} est "
            'accepté.</p>{% if return.method == "keep_it" %}<p>Inutile de nous renvoyer '
            'quoi que ce soit\xa0: gardez {% if return.item_count == "1" %}l\'article{% '
            "else %}les articles{% endif %}. Votre remboursement suit.</p>{% elif "
            "return.label_url %}<p>Imprimez votre étiquette prépayée, collez-la sur le "
            'colis et déposez-le chez le transporteur.</p><p><a class="button" href="{{ '
            'return.label_url }}">Imprimer mon étiquette</a></p>{% elif '
            "return.qr_code_url %}<p>Présentez ce QR code au point de dépôt\xa0: "
            'l\'étiquette y est imprimée pour vous.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Afficher mon QR code</a></p>{% elif return.method '
            '== "ship_yourself" %}<p>Emballez soigneusement {% if return.item_count == '
            '"1" %}l\'article{% else %}les articles{% endif %}, glissez dans le colis '
            "un mot indiquant <strong>{{ return.rma }}</strong> et envoyez-le à\xa0"
            ":</p>{% if return.return_address %}<p><strong>{{ "
            "return.return_address|linebreaksbr }}</strong></p>{% else %}<p>répondez à "
            "cet e-mail et nous vous donnerons notre adresse de retour.</p>{% endif "
            "%}<p>Gardez votre preuve de dépôt jusqu'à votre remboursement.</p>{% else "
            '%}<p>Votre {% if return.method == "qr_dropoff" %}QR code{% else '
            "%}étiquette prépayée{% endif %} est en préparation\xa0: vous la trouverez "
            "sur la page de votre retour dès qu'elle sera prête.</p>{% endif %}<p>Ce "
            "que vous nous retournez\xa0:</p><ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ item.variant "
            "}}){% endif %} — {{ item.reason }}</li>{% endfor "
            "%}</ul><p>Remboursement\xa0: <strong>{{ return.refund_amount }}</strong>{% "
            "if return.fee %} (frais de retour de {{ return.fee }} déduits){% endif "
            '%}.</p><p><a href="{{ return.url }}">Voir mon retour et où il en '
            "est</a></p><p>Une question\xa0? Répondez simplement à cet e-mail, une "
            "vraie personne vous répondra.</p>",
            "preheader": '{% if return.method == "keep_it" %}Votre remboursement suit\xa0: rien '
            "à renvoyer.{% else %}Voici comment nous renvoyer votre colis.{% endif "
            "%}",
            "subject": "Votre retour {{ return.rma }} est accepté",
        },
        {
            "html": "<h1>Votre retour est accepté</h1><p>Bonjour{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Votre retour <strong>{{ "
            "return.rma }}</strong> pour la commande {{ order.number }} est "
            'accepté.</p>{% if return.method == "keep_it" %}<p>Inutile de nous renvoyer '
            'quoi que ce soit\xa0: gardez {% if return.item_count == "1" %}l\'article{% '
            "else %}les articles{% endif %}. Votre remboursement suit.</p>{% elif "
            "return.label_url %}<p>Imprimez votre étiquette prépayée, collez-la sur le "
            'colis et déposez-le chez le transporteur.</p><p><a class="button" href="{{ '
            'return.label_url }}">Imprimer mon étiquette</a></p>{% elif '
            "return.qr_code_url %}<p>Présentez ce QR code au point de dépôt\xa0: "
            'l\'étiquette y est imprimée pour vous.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Afficher mon QR code</a></p>{% elif return.method '
            '== "ship_yourself" %}<p>Emballez soigneusement {% if return.item_count == '
            '"1" %}l\'article{% else %}les articles{% endif %}, glissez dans le colis '
            "un mot indiquant <strong>{{ return.rma }}</strong> et envoyez-le à\xa0"
            ":</p>{% if return.return_address %}<p><strong>{{ "
            "return.return_address|linebreaksbr }}</strong></p>{% else %}<p>répondez à "
            "cet e-mail et nous vous donnerons notre adresse de retour.</p>{% endif "
            "%}<p>Gardez votre preuve de dépôt jusqu'à votre remboursement.</p>{% else "
            '%}<p>Votre {% if return.method == "qr_dropoff" %}QR code{% else '
            "%}étiquette prépayée{% endif %} est en préparation\xa0: vous la trouverez "
            "sur la page de votre retour dès qu'elle sera prête.</p>{% endif %}<p>Ce "
            "que vous nous retournez\xa0:</p><ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ item.variant "
            "}}){% endif %} — {{ item.reason }}</li>{% endfor %}</ul>{% if "
            "return.credit_amount %}<p>Avoir\xa0: <strong>{{ return.credit_amount "
            "}}</strong>{% if return.bonus_amount %} (dont un bonus de {{ "
            "return.bonus_amount }}){% endif %}.</p>{% else %}<p>Remboursement\xa0: "
            "<strong>{{ return.refund_amount }}</strong>{% if return.fee %} (frais de "
            "retour de {{ return.fee }} déduits){% endif %}.</p>{% endif %}<p><a "
            'href="{{ return.url }}">Voir mon retour et où il en est</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne vous "
            "répondra.</p>",
            "preheader": '{% if return.method == "keep_it" %}Votre remboursement suit\xa0: rien '
            "à renvoyer.{% else %}Voici comment nous renvoyer votre colis.{% endif "
            "%}",
            "subject": "Votre retour {{ return.rma }} est accepté",
        },
    ),
    ("return-received", "en"): (
        {
            "html": "<h1>Your return is back with us</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>The parcel of your return "
            "<strong>{{ return.rma }}</strong> for order {{ order.number }} has "
            "arrived:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × {{ "
            "item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul><p>Your refund of <strong>{{ "
            "return.refund_amount }}</strong> follows: we will email you as soon as it "
            'is issued.</p><p><a class="button" href="{{ return.url }}">Follow my '
            "return</a></p><p>A question? Just reply to this email, a real person will "
            "answer.</p>",
            "preheader": "Your refund of {{ return.refund_amount }} follows.",
            "subject": "We have received your return {{ return.rma }}",
        },
        {
            "html": "<h1>Your return is back with us</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>The parcel of your return "
            "<strong>{{ return.rma }}</strong> for order {{ order.number }} has "
            "arrived:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × {{ "
            "item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul><p>{% if return.credit_amount %}Your "
            "store credit of <strong>{{ return.credit_amount }}</strong>{% else %}Your "
            "refund of <strong>{{ return.refund_amount }}</strong>{% endif %} follows: "
            'we will email you as soon as it is issued.</p><p><a class="button" '
            'href="{{ return.url }}">Follow my return</a></p><p>A question? Just reply '
            "to this email, a real person will answer.</p>",
            "preheader": "{% if return.credit_amount %}Your store credit of {{ "
            "return.credit_amount }} follows.{% else %}Your refund of {{ "
            "return.refund_amount }} follows.{% endif %}",
            "subject": "We have received your return {{ return.rma }}",
        },
    ),
    ("return-received", "fr"): (
        {
            "html": "<h1>Votre retour nous est parvenu</h1><p>Bonjour{% if customer.first_name "
            "%} {{ customer.first_name }}{% endif %},</p><p>Le colis de votre retour "
            "<strong>{{ return.rma }}</strong> pour la commande {{ order.number }} est "
            "arrivé\xa0:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × "
            "{{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul><p>Votre remboursement de <strong>{{ "
            "return.refund_amount }}</strong> suit\xa0: nous vous écrirons dès qu'il "
            'sera effectué.</p><p><a class="button" href="{{ return.url }}">Suivre mon '
            "retour</a></p><p>Une question\xa0? Répondez simplement à cet e-mail, une "
            "vraie personne vous répondra.</p>",
            "preheader": "Votre remboursement de {{ return.refund_amount }} suit.",
            "subject": "Nous avons reçu votre retour {{ return.rma }}",
        },
        {
            "html": "<h1>Votre retour nous est parvenu</h1><p>Bonjour{% if customer.first_name "
            "%} {{ customer.first_name }}{% endif %},</p><p>Le colis de votre retour "
            "<strong>{{ return.rma }}</strong> pour la commande {{ order.number }} est "
            "arrivé\xa0:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × "
            "{{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            "item.reason }}</li>{% endfor %}</ul><p>{% if return.credit_amount %}Votre "
            "avoir de <strong>{{ return.credit_amount }}</strong>{% else %}Votre "
            "remboursement de <strong>{{ return.refund_amount }}</strong>{% endif %} "
            "suit\xa0: nous vous écrirons dès qu'il sera effectué.</p><p><a "
            'class="button" href="{{ return.url }}">Suivre mon retour</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne vous "
            "répondra.</p>",
            "preheader": "{% if return.credit_amount %}Votre avoir de {{ return.credit_amount "
            "}} suit.{% else %}Votre remboursement de {{ return.refund_amount }} "
            "suit.{% endif %}",
            "subject": "Nous avons reçu votre retour {{ return.rma }}",
        },
    ),
    ("return-refunded", "en"): (
        {
            "html": "<h1>Your refund is on its way</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>We have refunded <strong>{{ "
            "return.refund_amount }}</strong> for your return <strong>{{ return.rma "
            "}}</strong> (order {{ order.number }}) to your original payment method{% "
            "if return.fee %}, after a return fee of {{ return.fee }}{% endif "
            "%}.</p><p>Depending on your bank, it may take a few days to show on your "
            "account.</p><ul>{% for item in return.items %}<li>{{ item.quantity }} × {{ "
            "item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            'item.reason }}</li>{% endfor %}</ul><p><a class="button" href="{{ '
            'return.url }}">See my return</a></p><p>Thank you for your patience. A '
            "question? Just reply to this email.</p>",
            "preheader": "Return {{ return.rma }} is complete.",
            "subject": "Your refund of {{ return.refund_amount }} is on its way",
        },
        {
            "html": "{% if return.credit_amount %}<h1>Your store credit is ready</h1><p>Hello{% "
            "if customer.first_name %} {{ customer.first_name }}{% endif %},</p><p>We "
            "have added <strong>{{ return.credit_amount }}</strong> of store credit to "
            "your account for your return <strong>{{ return.rma }}</strong> (order {{ "
            "order.number }}){% if return.bonus_amount %}, including a bonus of {{ "
            "return.bonus_amount }}{% endif %}.</p><p>A separate email gives you the "
            "code to use at checkout.</p>{% else %}<h1>Your refund is on its "
            "way</h1><p>Hello{% if customer.first_name %} {{ customer.first_name }}{% "
            "endif %},</p><p>We have refunded <strong>{{ return.refund_amount "
            "}}</strong> for your return <strong>{{ return.rma }}</strong> (order {{ "
            "order.number }}) to your original payment method{% if return.fee %}, after "
            "a return fee of {{ return.fee }}{% endif %}.</p><p>Depending on your bank, "
            "it may take a few days to show on your account.</p>{% endif %}<ul>{% for "
            "item in return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason }}</li>{% "
            'endfor %}</ul><p><a class="button" href="{{ return.url }}">See my '
            "return</a></p><p>Thank you for your patience. A question? Just reply to "
            "this email.</p>",
            "preheader": "Return {{ return.rma }} is complete.",
            "subject": "{% if return.credit_amount %}Your store credit of {{ "
            "return.credit_amount }} is ready{% else %}Your refund of {{ "
            "return.refund_amount }} is on its way{% endif %}",
        },
    ),
    ("return-refunded", "fr"): (
        {
            "html": "<h1>Votre remboursement est en route</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif %},</p><p>Nous "
            "avons remboursé <strong>{{ return.refund_amount }}</strong> pour votre "
            "retour <strong>{{ return.rma }}</strong> (commande {{ order.number }}) sur "
            "votre moyen de paiement d'origine{% if return.fee %}, après des frais de "
            "retour de {{ return.fee }}{% endif %}.</p><p>Selon votre banque, il peut "
            "apparaître sur votre compte d'ici quelques jours.</p><ul>{% for item in "
            "return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason }}</li>{% "
            'endfor %}</ul><p><a class="button" href="{{ return.url }}">Voir mon '
            "retour</a></p><p>Merci pour votre patience. Une question\xa0? Répondez "
            "simplement à cet e-mail.</p>",
            "preheader": "Le retour {{ return.rma }} est terminé.",
            "subject": "Votre remboursement de {{ return.refund_amount }} est en route",
        },
        {
            "html": "{% if return.credit_amount %}<h1>Votre avoir est prêt</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif %},</p><p>Nous "
            "avons ajouté un avoir de <strong>{{ return.credit_amount }}</strong> à "
            "votre compte pour votre retour <strong>{{ return.rma }}</strong> (commande "
            "{{ order.number }}){% if return.bonus_amount %}, dont un bonus de {{ "
            "return.bonus_amount }}{% endif %}.</p><p>Un autre e-mail vous donne le "
            "code à utiliser lors de votre commande.</p>{% else %}<h1>Votre "
            "remboursement est en route</h1><p>Bonjour{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Nous avons remboursé <strong>{{ "
            "return.refund_amount }}</strong> pour votre retour <strong>{{ return.rma "
            "}}</strong> (commande {{ order.number }}) sur votre moyen de paiement "
            "d'origine{% if return.fee %}, après des frais de retour de {{ return.fee "
            "}}{% endif %}.</p><p>Selon votre banque, il peut apparaître sur votre "
            "compte d'ici quelques jours.</p>{% endif %}<ul>{% for item in return.items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} ({{ "
            "item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor %}</ul><p><a "
            'class="button" href="{{ return.url }}">Voir mon retour</a></p><p>Merci '
            "pour votre patience. Une question\xa0? Répondez simplement à cet "
            "e-mail.</p>",
            "preheader": "Le retour {{ return.rma }} est terminé.",
            "subject": "{% if return.credit_amount %}Votre avoir de {{ return.credit_amount }} "
            "est prêt{% else %}Votre remboursement de {{ return.refund_amount }} est "
            "en route{% endif %}",
        },
    ),
    ("return-requested", "en"): (
        {
            "html": "<h1>We have your return request</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> for order {{ order.number }} is "
            "registered:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} "
            "× {{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — "
            "{{ item.reason }}</li>{% endfor %}</ul><p>Refund: <strong>{{ "
            "return.refund_amount }}</strong>{% if return.fee %} (a return fee of {{ "
            'return.fee }} deducted){% endif %}.</p>{% if return.status == "approved" '
            'and return.method == "keep_it" %}<p>Good news: it is approved already, '
            'and you can keep {% if return.item_count == "1" %}the item{% else %}the '
            'items{% endif %}.</p>{% elif return.status == "approved" %}<p>Good news: '
            "it is approved already. How to send it back follows in a separate "
            'email.</p>{% elif return.status == "requested" %}<p>What happens next: we '
            "review your request and email you our answer. Once it is approved, we "
            'tell you how to send {% if return.item_count == "1" %}the item{% else '
            '%}the items{% endif %} back.</p>{% endif %}<p><a class="button" href="{{ '
            'return.url }}">Follow my return</a></p><p>A question? Just reply to this '
            "email, a real person will answer.</p>",
            "preheader": '{% if return.status == "approved" %}It is approved: how to send it '
            "back follows.{% else %}We will review it and get back to you.{% "
            "endif %}",
            "subject": "Your return {{ return.rma }} is registered",
        },
        {
            "html": "<h1>We have your return request</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> for order {{ order.number }} is "
            "registered:</p><ul>{% for item in return.items %}<li>{{ item.quantity }} "
            "× {{ item.title }}{% if item.variant %} ({{ item.variant }}){% endif %} — "
            "{{ item.reason }}</li>{% endfor %}</ul>{% if return.credit_amount "
            "%}<p>Store credit: <strong>{{ return.credit_amount }}</strong>{% if "
            "return.bonus_amount %} (including a bonus of {{ return.bonus_amount }}){% "
            "endif %}.</p>{% else %}<p>Refund: <strong>{{ return.refund_amount "
            "}}</strong>{% if return.fee %} (a return fee of {{ return.fee }} "
            'deducted){% endif %}.</p>{% endif %}{% if return.status == "approved" and '
            'return.method == "keep_it" %}<p>Good news: it is approved already, and '
            'you can keep {% if return.item_count == "1" %}the item{% else %}the '
            'items{% endif %}.</p>{% elif return.status == "approved" %}<p>Good news: '
            "it is approved already. How to send it back follows in a separate "
            'email.</p>{% elif return.status == "requested" %}<p>What happens next: we '
            "review your request and email you our answer. Once it is approved, we "
            'tell you how to send {% if return.item_count == "1" %}the item{% else '
            '%}the items{% endif %} back.</p>{% endif %}<p><a class="button" href="{{ '
            'return.url }}">Follow my return</a></p><p>A question? Just reply to this '
            "email, a real person will answer.</p>",
            "preheader": '{% if return.status == "approved" %}It is approved: how to send it '
            "back follows.{% else %}We will review it and get back to you.{% "
            "endif %}",
            "subject": "Your return {{ return.rma }} is registered",
        },
    ),
    ("return-requested", "fr"): (
        {
            "html": "<h1>Nous avons bien reçu votre demande de retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif %},</p><p>Votre "
            "retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number "
            "}} est enregistré\xa0:</p><ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ item.variant "
            "}}){% endif %} — {{ item.reason }}</li>{% endfor "
            "%}</ul><p>Remboursement\xa0: <strong>{{ return.refund_amount "
            "}}</strong>{% if return.fee %} (frais de retour de {{ return.fee }} "
            'déduits){% endif %}.</p>{% if return.status == "approved" and '
            'return.method == "keep_it" %}<p>Bonne nouvelle\xa0: il est déjà accepté, '
            'et vous pouvez garder {% if return.item_count == "1" %}l\'article{% else '
            '%}les articles{% endif %}.</p>{% elif return.status == "approved" '
            "%}<p>Bonne nouvelle\xa0: il est déjà accepté. Les instructions pour nous "
            'renvoyer {% if return.item_count == "1" %}l\'article{% else %}les '
            "articles{% endif %} suivent dans un autre e-mail.</p>{% elif "
            'return.status == "requested" %}<p>La suite\xa0: nous examinons votre '
            "demande et vous répondons par e-mail. Une fois le retour accepté, nous "
            'vous expliquons comment nous renvoyer {% if return.item_count == "1" '
            "%}l'article{% else %}les articles{% endif %}.</p>{% endif %}<p><a "
            'class="button" href="{{ return.url }}">Suivre mon retour</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne vous "
            "répondra.</p>",
            "preheader": '{% if return.status == "approved" %}Il est accepté\xa0: les '
            "instructions d'envoi suivent.{% else %}Nous l'examinons et revenons "
            "vers vous.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est enregistré",
        },
        {
            "html": "<h1>Nous avons bien reçu votre demande de retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif %},</p><p>Votre "
            "retour <strong>{{ return.rma }}</strong> pour la commande {{ order.number "
            "}} est enregistré\xa0:</p><ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ item.variant "
            "}}){% endif %} — {{ item.reason }}</li>{% endfor %}</ul>{% if "
            "return.credit_amount %}<p>Avoir\xa0: <strong>{{ return.credit_amount "
            "}}</strong>{% if return.bonus_amount %} (dont un bonus de {{ "
            "return.bonus_amount }}){% endif %}.</p>{% else %}<p>Remboursement\xa0: "
            "<strong>{{ return.refund_amount }}</strong>{% if return.fee %} (frais de "
            "retour de {{ return.fee }} déduits){% endif %}.</p>{% endif %}{% if "
            'return.status == "approved" and return.method == "keep_it" %}<p>Bonne '
            "nouvelle\xa0: il est déjà accepté, et vous pouvez garder {% if "
            'return.item_count == "1" %}l\'article{% else %}les articles{% endif '
            '%}.</p>{% elif return.status == "approved" %}<p>Bonne nouvelle\xa0: il '
            "est déjà accepté. Les instructions pour nous renvoyer {% if "
            'return.item_count == "1" %}l\'article{% else %}les articles{% endif %} '
            'suivent dans un autre e-mail.</p>{% elif return.status == "requested" '
            "%}<p>La suite\xa0: nous examinons votre demande et vous répondons par "
            "e-mail. Une fois le retour accepté, nous vous expliquons comment nous "
            'renvoyer {% if return.item_count == "1" %}l\'article{% else %}les '
            'articles{% endif %}.</p>{% endif %}<p><a class="button" href="{{ '
            'return.url }}">Suivre mon retour</a></p><p>Une question\xa0? Répondez '
            "simplement à cet e-mail, une vraie personne vous répondra.</p>",
            "preheader": '{% if return.status == "approved" %}Il est accepté\xa0: les '
            "instructions d'envoi suivent.{% else %}Nous l'examinons et revenons "
            "vers vous.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est enregistré",
        },
    ),
}
FIELDS = {"subject": "subject", "preheader": "preheader", "html": "html_body"}


def _swap(apps, before: int, after: int) -> None:
    StepTemplate = apps.get_model("flows", "StepTemplate")
    for (step_key, language), versions in CHANGES.items():
        old, new = versions[before], versions[after]
        rows = StepTemplate._base_manager.filter(
            step__key=step_key,
            language=language,
            **{column: old.get(name, "") for name, column in FIELDS.items()},
        )
        rows.update(**{column: new.get(name, "") for name, column in FIELDS.items()})


def credit_wording(apps, schema_editor):
    _swap(apps, 0, 1)


def refund_wording(apps, schema_editor):
    _swap(apps, 1, 0)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0010_resolutions"),
        ("flows", "0003_scheduled_once_per_order_key"),
    ]

    operations = [migrations.RunPython(credit_wording, refund_wording)]
