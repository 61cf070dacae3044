"""Return emails say what is true for each return: an exchange's new item ships when this return's order is
made (being prepared, or once the difference is paid; a kept item's at approval) rather than at the policy's
moment; a kept item's emails say what the customer keeps, not what they return, and that nothing is sent
back ("Exchange confirmed", "Return registered", approved, complete); French texts take the typographic
apostrophe.

As in 0015: shops that installed the return flows before get the new wording for each template they did not
edit (still exactly the previous default); an edited template is left as the shop wrote it.
Generated from returns/mail/defaults.py before and after; frozen here so later edits change nothing.
"""

from django.db import migrations

# (step key, language) → (the old default, the new one), each {"subject", "preheader", "html"}.
CHANGES = {
    ("exchange-confirmed", "en"): (
        {
            "html": "<h1>Your exchange is confirmed</h1><p>Hello{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>We have set aside your new item for your return "
            "<strong>{{ return.rma }}</strong> (order {{ order.number "
            "}}):</p><ul>{% for item in return.exchange_items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>When it ships:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>The "
            "new item costs less: the difference, <strong>{{ "
            "return.credit_amount }}</strong>, comes to you as store credit "
            "once the return is complete.</p>{% elif return.exchange_due "
            "%}<p>The new item costs more: you pay the difference, <strong>{{ "
            "return.exchange_due }}</strong>, in the shop, through the link we "
            "email you when your exchange order is made.</p>{% endif %}<p>Send "
            "back what you return as your return's page explains.</p><p><a "
            'class="button" href="{{ return.url }}">Follow my '
            "exchange</a></p><p>A question? Just reply to this email, a real "
            "person will answer.</p>",
            "preheader": "{{ return.exchange_ships }}",
            "subject": "Your exchange {{ return.rma }} is confirmed",
        },
        {
            "html": "<h1>Your exchange is confirmed</h1><p>Hello{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>We have set aside your new item for your return "
            "<strong>{{ return.rma }}</strong> (order {{ order.number "
            "}}):</p><ul>{% for item in return.exchange_items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>When it ships:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>The "
            "new item costs less: the difference, <strong>{{ "
            "return.credit_amount }}</strong>, comes to you as store credit "
            "once the return is complete.</p>{% elif return.exchange_due "
            "%}<p>The new item costs more: you pay the difference, <strong>{{ "
            "return.exchange_due }}</strong>, in the shop, through the link we "
            "email you when your exchange order is made.</p>{% endif %}{% if "
            'return.method == "keep_it" %}<p>Nothing to send back: you keep {% '
            'if return.item_count == "1" %}the item{% else %}the items{% endif '
            "%}.</p>{% else %}<p>Send back what you return as your return's "
            'page explains.</p>{% endif %}<p><a class="button" href="{{ '
            'return.url }}">Follow my exchange</a></p><p>A question? Just reply '
            "to this email, a real person will answer.</p>",
            "preheader": "{{ return.exchange_ships }}",
            "subject": "Your exchange {{ return.rma }} is confirmed",
        },
    ),
    ("exchange-confirmed", "fr"): (
        {
            "html": "<h1>Votre échange est confirmé</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Nous avons mis de côté votre nouvel article pour votre "
            "retour <strong>{{ return.rma }}</strong> (commande {{ order.number "
            "}})\xa0:</p><ul>{% for item in return.exchange_items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>Le "
            "nouvel article coûte moins cher\xa0: la différence, <strong>{{ "
            "return.credit_amount }}</strong>, vous revient en avoir une fois "
            "le retour terminé.</p>{% elif return.exchange_due %}<p>Le nouvel "
            "article coûte plus cher\xa0: vous réglez la différence, <strong>{{ "
            "return.exchange_due }}</strong>, dans la boutique, grâce au lien "
            "que nous vous envoyons par e-mail quand la commande de votre "
            "échange est créée.</p>{% endif %}<p>Renvoyez ce que vous retournez "
            'comme l\'explique la page de votre retour.</p><p><a class="button" '
            'href="{{ return.url }}">Suivre mon échange</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne "
            "vous répondra.</p>",
            "preheader": "{{ return.exchange_ships }}",
            "subject": "Votre échange {{ return.rma }} est confirmé",
        },
        {
            "html": "<h1>Votre échange est confirmé</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Nous avons mis de côté votre nouvel article pour votre "
            "retour <strong>{{ return.rma }}</strong> (commande {{ order.number "
            "}})\xa0:</p><ul>{% for item in return.exchange_items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>Le "
            "nouvel article coûte moins cher\xa0: la différence, <strong>{{ "
            "return.credit_amount }}</strong>, vous revient en avoir une fois "
            "le retour terminé.</p>{% elif return.exchange_due %}<p>Le nouvel "
            "article coûte plus cher\xa0: vous réglez la différence, <strong>{{ "
            "return.exchange_due }}</strong>, dans la boutique, grâce au lien "
            "que nous vous envoyons par e-mail quand la commande de votre "
            'échange est créée.</p>{% endif %}{% if return.method == "keep_it" '
            "%}<p>Rien à nous renvoyer\xa0: vous gardez {% if return.item_count "
            '== "1" %}l’article{% else %}les articles{% endif %}.</p>{% else '
            "%}<p>Renvoyez ce que vous retournez comme l’explique la page de "
            'votre retour.</p>{% endif %}<p><a class="button" href="{{ '
            'return.url }}">Suivre mon échange</a></p><p>Une question\xa0? '
            "Répondez simplement à cet e-mail, une vraie personne vous "
            "répondra.</p>",
            "preheader": "{{ return.exchange_ships }}",
            "subject": "Votre échange {{ return.rma }} est confirmé",
        },
    ),
    ("return-approved", "en"): (
        {
            "html": "<h1>Your return is approved</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> for order {{ order.number }} is "
            'approved.</p>{% if return.method == "keep_it" %}<p>No need to send '
            'anything back: keep {% if return.item_count == "1" %}the item{% else '
            '%}the items{% endif %}. {% if return.resolution == "exchange_variant" '
            "%}Your new item follows.{% elif return.credit_amount %}Your store "
            "credit follows.{% else %}Your refund follows.{% endif %}</p>{% elif "
            "return.label_url %}<p>Print your prepaid label, stick it on the "
            'parcel and drop it off with the carrier.</p><p><a class="button" '
            'href="{{ return.label_url }}">Print my label</a></p>{% elif '
            "return.qr_code_url %}<p>Show this QR code at the drop-off point: they "
            'print the label for you.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Show my QR code</a></p>{% elif return.method '
            '== "ship_yourself" %}<p>Pack {% if return.item_count == "1" %}the '
            "item{% else %}the items{% endif %} carefully, write <strong>{{ "
            "return.rma }}</strong> on a note inside the parcel and send it "
            "to:</p>{% if return.return_address %}<p><strong>{{ "
            "return.return_address|linebreaksbr }}</strong></p>{% else %}<p>reply "
            "to this email and we will give you our return address.</p>{% endif "
            "%}<p>Keep your shipping receipt until {% if return.resolution == "
            '"refund" %}your refund arrives{% else %}your return is complete{% '
            'endif %}.</p>{% else %}<p>Your {% if return.method == "qr_dropoff" '
            "%}QR code{% else %}prepaid label{% endif %} is being prepared: you "
            "will find it on your return's page as soon as it is ready.</p>{% "
            "endif %}<p>What you are returning:</p><ul>{% for item in return.items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} ({{ "
            "item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor "
            '%}</ul>{% if return.resolution == "exchange_variant" %}<p>In '
            "exchange, you get:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if item.instead_of "
            "%} — {{ item.instead_of }}{% endif %}</li>{% endfor "
            "%}</ul><p><strong>When it ships:</strong> {{ return.exchange_ships "
            "}}</p>{% if return.credit_amount %}<p>The new item costs less: the "
            "difference, <strong>{{ return.credit_amount }}</strong>, comes to you "
            "as store credit once the return is complete.</p>{% endif %}{% elif "
            "return.credit_amount %}<p>Store credit: <strong>{{ "
            "return.credit_amount }}</strong>{% if return.bonus_amount %} "
            "(including a bonus of {{ return.bonus_amount }}){% endif %}.</p>{% "
            "else %}<p>Refund: <strong>{{ return.refund_amount }}</strong>{% if "
            "return.fee %} (a return fee of {{ return.fee }} deducted){% endif "
            '%}.</p>{% endif %}<p><a href="{{ return.url }}">See my return and how '
            "it is going</a></p><p>A question? Just reply to this email, a real "
            "person will answer.</p>",
            "preheader": '{% if return.method == "keep_it" %}Nothing to send back.{% else '
            "%}Here is how to send it back.{% endif %}",
            "subject": "Your return {{ return.rma }} is approved",
        },
        {
            "html": "<h1>Your return is approved</h1><p>Hello{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> for order {{ order.number }} is "
            'approved.</p>{% if return.method == "keep_it" %}<p>No need to send '
            'anything back: keep {% if return.item_count == "1" %}the item{% else '
            '%}the items{% endif %}. {% if return.resolution == "exchange_variant" '
            "%}Your new item follows.{% elif return.credit_amount %}Your store "
            "credit follows.{% else %}Your refund follows.{% endif %}</p>{% elif "
            "return.label_url %}<p>Print your prepaid label, stick it on the "
            'parcel and drop it off with the carrier.</p><p><a class="button" '
            'href="{{ return.label_url }}">Print my label</a></p>{% elif '
            "return.qr_code_url %}<p>Show this QR code at the drop-off point: they "
            'print the label for you.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Show my QR code</a></p>{% elif return.method '
            '== "ship_yourself" %}<p>Pack {% if return.item_count == "1" %}the '
            "item{% else %}the items{% endif %} carefully, write <strong>{{ "
            "return.rma }}</strong> on a note inside the parcel and send it "
            "to:</p>{% if return.return_address %}<p><strong>{{ "
            "return.return_address|linebreaksbr }}</strong></p>{% else %}<p>reply "
            "to this email and we will give you our return address.</p>{% endif "
            "%}<p>Keep your shipping receipt until {% if return.resolution == "
            '"refund" %}your refund arrives{% else %}your return is complete{% '
            'endif %}.</p>{% else %}<p>Your {% if return.method == "qr_dropoff" '
            "%}QR code{% else %}prepaid label{% endif %} is being prepared: you "
            "will find it on your return's page as soon as it is ready.</p>{% "
            'endif %}{% if return.method == "keep_it" %}<p>What you keep:</p>{% '
            "else %}<p>What you are returning:</p>{% endif %}<ul>{% for item in "
            "return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
            '}}</li>{% endfor %}</ul>{% if return.resolution == "exchange_variant" '
            "%}<p>In exchange, you get:</p><ul>{% for item in "
            "return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}{% "
            "if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}{% "
            "if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>When it ships:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>The new "
            "item costs less: the difference, <strong>{{ return.credit_amount "
            "}}</strong>, comes to you as store credit once the return is "
            "complete.</p>{% endif %}{% elif return.credit_amount %}<p>Store "
            "credit: <strong>{{ return.credit_amount }}</strong>{% if "
            "return.bonus_amount %} (including a bonus of {{ return.bonus_amount "
            "}}){% endif %}.</p>{% else %}<p>Refund: <strong>{{ "
            "return.refund_amount }}</strong>{% if return.fee %} (a return fee of "
            '{{ return.fee }} deducted){% endif %}.</p>{% endif %}<p><a href="{{ '
            'return.url }}">See my return and how it is going</a></p><p>A '
            "question? Just reply to this email, a real person will answer.</p>",
            "preheader": '{% if return.method == "keep_it" %}Nothing to send back.{% else '
            "%}Here is how to send it back.{% endif %}",
            "subject": "Your return {{ return.rma }} is approved",
        },
    ),
    ("return-approved", "fr"): (
        {
            "html": "<h1>Votre retour est accepté</h1><p>Bonjour{% if customer.first_name "
            "%} {{ customer.first_name }}{% endif %},</p><p>Votre retour "
            "<strong>{{ return.rma }}</strong> pour la commande {{ order.number }} "
            'est accepté.</p>{% if return.method == "keep_it" %}<p>Inutile de nous '
            'renvoyer quoi que ce soit\xa0: gardez {% if return.item_count == "1" '
            "%}l'article{% else %}les articles{% endif %}. {% if return.resolution "
            '== "exchange_variant" %}Votre nouvel article suit.{% elif '
            "return.credit_amount %}Votre avoir suit.{% else %}Votre remboursement "
            "suit.{% endif %}</p>{% elif return.label_url %}<p>Imprimez votre "
            "étiquette prépayée, collez-la sur le colis et déposez-le chez le "
            'transporteur.</p><p><a class="button" href="{{ return.label_url '
            '}}">Imprimer mon étiquette</a></p>{% elif return.qr_code_url '
            "%}<p>Présentez ce QR code au point de dépôt\xa0: l'étiquette y est "
            'imprimée pour vous.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Afficher mon QR code</a></p>{% elif '
            'return.method == "ship_yourself" %}<p>Emballez soigneusement {% if '
            'return.item_count == "1" %}l\'article{% else %}les articles{% endif '
            "%}, glissez dans le colis un mot indiquant <strong>{{ return.rma "
            "}}</strong> et envoyez-le à\xa0:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% "
            "else %}<p>répondez à cet e-mail et nous vous donnerons notre adresse "
            "de retour.</p>{% endif %}<p>Gardez votre preuve de dépôt jusqu'à {% "
            'if return.resolution == "refund" %}votre remboursement{% else %}la '
            "fin de votre retour{% endif %}.</p>{% else %}<p>Votre {% if "
            'return.method == "qr_dropoff" %}QR code{% else %}étiquette prépayée{% '
            "endif %} est en préparation\xa0: vous la trouverez sur la page de "
            "votre retour dès qu'elle sera prête.</p>{% endif %}<p>Ce que vous "
            "nous retournez\xa0:</p><ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ "
            "item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor "
            '%}</ul>{% if return.resolution == "exchange_variant" %}<p>En échange, '
            "vous recevez\xa0:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if item.instead_of "
            "%} — {{ item.instead_of }}{% endif %}</li>{% endfor "
            "%}</ul><p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>Le nouvel "
            "article coûte moins cher\xa0: la différence, <strong>{{ "
            "return.credit_amount }}</strong>, vous revient en avoir une fois le "
            "retour terminé.</p>{% endif %}{% elif return.credit_amount "
            "%}<p>Avoir\xa0: <strong>{{ return.credit_amount }}</strong>{% if "
            "return.bonus_amount %} (dont un bonus de {{ return.bonus_amount }}){% "
            "endif %}.</p>{% else %}<p>Remboursement\xa0: <strong>{{ "
            "return.refund_amount }}</strong>{% if return.fee %} (frais de retour "
            'de {{ return.fee }} déduits){% endif %}.</p>{% endif %}<p><a href="{{ '
            'return.url }}">Voir mon retour et où il en est</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne "
            "vous répondra.</p>",
            "preheader": '{% if return.method == "keep_it" %}Rien à renvoyer.{% else '
            "%}Voici comment nous renvoyer votre colis.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est accepté",
        },
        {
            "html": "<h1>Votre retour est accepté</h1><p>Bonjour{% if customer.first_name "
            "%} {{ customer.first_name }}{% endif %},</p><p>Votre retour "
            "<strong>{{ return.rma }}</strong> pour la commande {{ order.number }} "
            'est accepté.</p>{% if return.method == "keep_it" %}<p>Inutile de nous '
            'renvoyer quoi que ce soit\xa0: gardez {% if return.item_count == "1" '
            "%}l’article{% else %}les articles{% endif %}. {% if return.resolution "
            '== "exchange_variant" %}Votre nouvel article suit.{% elif '
            "return.credit_amount %}Votre avoir suit.{% else %}Votre remboursement "
            "suit.{% endif %}</p>{% elif return.label_url %}<p>Imprimez votre "
            "étiquette prépayée, collez-la sur le colis et déposez-le chez le "
            'transporteur.</p><p><a class="button" href="{{ return.label_url '
            '}}">Imprimer mon étiquette</a></p>{% elif return.qr_code_url '
            "%}<p>Présentez ce QR code au point de dépôt\xa0: l’étiquette y est "
            'imprimée pour vous.</p><p><a class="button" href="{{ '
            'return.qr_code_url }}">Afficher mon QR code</a></p>{% elif '
            'return.method == "ship_yourself" %}<p>Emballez soigneusement {% if '
            'return.item_count == "1" %}l’article{% else %}les articles{% endif '
            "%}, glissez dans le colis un mot indiquant <strong>{{ return.rma "
            "}}</strong> et envoyez-le à\xa0:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% "
            "else %}<p>répondez à cet e-mail et nous vous donnerons notre adresse "
            "de retour.</p>{% endif %}<p>Gardez votre preuve de dépôt jusqu’à {% "
            'if return.resolution == "refund" %}votre remboursement{% else %}la '
            "fin de votre retour{% endif %}.</p>{% else %}<p>Votre {% if "
            'return.method == "qr_dropoff" %}QR code{% else %}étiquette prépayée{% '
            "endif %} est en préparation\xa0: vous la trouverez sur la page de "
            "votre retour dès qu’elle sera prête.</p>{% endif %}{% if "
            'return.method == "keep_it" %}<p>Ce que vous gardez\xa0:</p>{% else '
            "%}<p>Ce que vous nous retournez\xa0:</p>{% endif %}<ul>{% for item in "
            "return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
            '}}</li>{% endfor %}</ul>{% if return.resolution == "exchange_variant" '
            "%}<p>En échange, vous recevez\xa0:</p><ul>{% for item in "
            "return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}{% "
            "if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}{% "
            "if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul><p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% if return.credit_amount %}<p>Le nouvel "
            "article coûte moins cher\xa0: la différence, <strong>{{ "
            "return.credit_amount }}</strong>, vous revient en avoir une fois le "
            "retour terminé.</p>{% endif %}{% elif return.credit_amount "
            "%}<p>Avoir\xa0: <strong>{{ return.credit_amount }}</strong>{% if "
            "return.bonus_amount %} (dont un bonus de {{ return.bonus_amount }}){% "
            "endif %}.</p>{% else %}<p>Remboursement\xa0: <strong>{{ "
            "return.refund_amount }}</strong>{% if return.fee %} (frais de retour "
            'de {{ return.fee }} déduits){% endif %}.</p>{% endif %}<p><a href="{{ '
            'return.url }}">Voir mon retour et où il en est</a></p><p>Une '
            "question\xa0? Répondez simplement à cet e-mail, une vraie personne "
            "vous répondra.</p>",
            "preheader": '{% if return.method == "keep_it" %}Rien à renvoyer.{% else '
            "%}Voici comment nous renvoyer votre colis.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est accepté",
        },
    ),
    ("return-refunded", "en"): (
        {
            "html": '{% if return.resolution == "exchange_variant" %}<h1>Your return is '
            "complete</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> (order {{ order.number }}) is complete. In "
            "exchange, you get:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if item.instead_of "
            "%} — {{ item.instead_of }}{% endif %}</li>{% endfor %}</ul>{% if "
            'return.exchange_tracking_url %}<p>It is on its way: <a href="{{ '
            'return.exchange_tracking_url }}">follow the parcel</a>.</p>{% else '
            "%}<p><strong>When it ships:</strong> {{ return.exchange_ships "
            "}}</p>{% endif %}{% if return.credit_amount %}<p>The new item costs "
            "less: we have added the difference, <strong>{{ return.credit_amount "
            "}}</strong>, to your account as store credit.</p>{% if "
            "return.credit_code %}<p>Your code to use at checkout: <strong>{{ "
            "return.credit_code }}</strong></p>{% else %}<p>A separate email gives "
            "you the code to use at checkout.</p>{% endif %}{% endif %}{% elif "
            "return.credit_amount %}<h1>Your store credit is ready</h1><p>Hello{% "
            "if customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>We have added <strong>{{ return.credit_amount }}</strong> "
            "of store credit to your account for your return <strong>{{ return.rma "
            "}}</strong> (order {{ order.number }}){% if return.bonus_amount %}, "
            "including a bonus of {{ return.bonus_amount }}{% endif %}.</p>{% if "
            "return.credit_code %}<p>Your code to use at checkout: <strong>{{ "
            "return.credit_code }}</strong></p>{% else %}<p>A separate email gives "
            "you the code to use at checkout.</p>{% endif %}{% else %}<h1>Your "
            "refund is on its way</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>We have refunded <strong>{{ "
            "return.refund_amount }}</strong> for your return <strong>{{ "
            "return.rma }}</strong> (order {{ order.number }}) to your original "
            "payment method{% if return.fee %}, after a return fee of {{ "
            "return.fee }}{% endif %}.</p><p>Depending on your bank, it may take a "
            "few days to show on your account.</p>{% endif %}<p>What you "
            "returned:</p><ul>{% for item in return.items %}<li>{{ item.quantity "
            "}} × {{ item.title }}{% if item.variant %} ({{ item.variant }}){% "
            "endif %} — {{ item.reason }}</li>{% endfor %}</ul><p><a "
            'class="button" href="{{ return.url }}">See my return</a></p><p>Thank '
            "you for your patience. A question? Just reply to this email.</p>",
            "preheader": "Return {{ return.rma }} is complete.",
            "subject": '{% if return.resolution == "exchange_variant" %}Your return {{ '
            "return.rma }} is complete{% elif return.credit_amount %}Your store "
            "credit of {{ return.credit_amount }} is ready{% else %}Your refund "
            "of {{ return.refund_amount }} is on its way{% endif %}",
        },
        {
            "html": '{% if return.resolution == "exchange_variant" %}<h1>Your return is '
            "complete</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
            "return.rma }}</strong> (order {{ order.number }}) is complete. In "
            "exchange, you get:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if item.instead_of "
            "%} — {{ item.instead_of }}{% endif %}</li>{% endfor %}</ul>{% if "
            'return.exchange_tracking_url %}<p>It is on its way: <a href="{{ '
            'return.exchange_tracking_url }}">follow the parcel</a>.</p>{% else '
            "%}<p><strong>When it ships:</strong> {{ return.exchange_ships "
            "}}</p>{% endif %}{% if return.credit_amount %}<p>The new item costs "
            "less: we have added the difference, <strong>{{ return.credit_amount "
            "}}</strong>, to your account as store credit.</p>{% if "
            "return.credit_code %}<p>Your code to use at checkout: <strong>{{ "
            "return.credit_code }}</strong></p>{% else %}<p>A separate email gives "
            "you the code to use at checkout.</p>{% endif %}{% endif %}{% elif "
            "return.credit_amount %}<h1>Your store credit is ready</h1><p>Hello{% "
            "if customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>We have added <strong>{{ return.credit_amount }}</strong> "
            "of store credit to your account for your return <strong>{{ return.rma "
            "}}</strong> (order {{ order.number }}){% if return.bonus_amount %}, "
            "including a bonus of {{ return.bonus_amount }}{% endif %}.</p>{% if "
            "return.credit_code %}<p>Your code to use at checkout: <strong>{{ "
            "return.credit_code }}</strong></p>{% else %}<p>A separate email gives "
            "you the code to use at checkout.</p>{% endif %}{% else %}<h1>Your "
            "refund is on its way</h1><p>Hello{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>We have refunded <strong>{{ "
            "return.refund_amount }}</strong> for your return <strong>{{ "
            "return.rma }}</strong> (order {{ order.number }}) to your original "
            "payment method{% if return.fee %}, after a return fee of {{ "
            "return.fee }}{% endif %}.</p><p>Depending on your bank, it may take a "
            "few days to show on your account.</p>{% endif %}{% if return.method "
            '== "keep_it" %}<p>What you kept:</p>{% else %}<p>What you '
            "returned:</p>{% endif %}<ul>{% for item in return.items %}<li>{{ "
            "item.quantity }} × {{ item.title }}{% if item.variant %} ({{ "
            "item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor "
            '%}</ul><p><a class="button" href="{{ return.url }}">See my '
            "return</a></p><p>Thank you for your patience. A question? Just reply "
            "to this email.</p>",
            "preheader": "Return {{ return.rma }} is complete.",
            "subject": '{% if return.resolution == "exchange_variant" %}Your return {{ '
            "return.rma }} is complete{% elif return.credit_amount %}Your store "
            "credit of {{ return.credit_amount }} is ready{% else %}Your refund "
            "of {{ return.refund_amount }} is on its way{% endif %}",
        },
    ),
    ("return-refunded", "fr"): (
        {
            "html": '{% if return.resolution == "exchange_variant" %}<h1>Votre retour est '
            "terminé</h1><p>Bonjour{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Votre retour <strong>{{ "
            "return.rma }}</strong> (commande {{ order.number }}) est terminé. En "
            "échange, vous recevez\xa0:</p><ul>{% for item in "
            "return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}{% "
            "if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}{% "
            "if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul>{% if return.exchange_tracking_url %}<p>Il est en "
            'route\xa0: <a href="{{ return.exchange_tracking_url }}">suivre le '
            "colis</a>.</p>{% else %}<p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% endif %}{% if return.credit_amount "
            "%}<p>Le nouvel article coûte moins cher\xa0: nous avons ajouté la "
            "différence, <strong>{{ return.credit_amount }}</strong>, à votre "
            "compte en avoir.</p>{% if return.credit_code %}<p>Votre code à saisir "
            "lors de votre commande\xa0: <strong>{{ return.credit_code "
            "}}</strong></p>{% else %}<p>Un autre e-mail vous donne le code à "
            "utiliser lors de votre commande.</p>{% endif %}{% endif %}{% elif "
            "return.credit_amount %}<h1>Votre avoir est prêt</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Nous avons ajouté un avoir de <strong>{{ "
            "return.credit_amount }}</strong> à votre compte pour votre retour "
            "<strong>{{ return.rma }}</strong> (commande {{ order.number }}){% if "
            "return.bonus_amount %}, dont un bonus de {{ return.bonus_amount }}{% "
            "endif %}.</p>{% if return.credit_code %}<p>Votre code à saisir lors "
            "de votre commande\xa0: <strong>{{ return.credit_code "
            "}}</strong></p>{% else %}<p>Un autre e-mail vous donne le code à "
            "utiliser lors de votre commande.</p>{% endif %}{% else %}<h1>Votre "
            "remboursement est en route</h1><p>Bonjour{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Nous avons remboursé "
            "<strong>{{ return.refund_amount }}</strong> pour votre retour "
            "<strong>{{ return.rma }}</strong> (commande {{ order.number }}) sur "
            "votre moyen de paiement d'origine{% if return.fee %}, après des frais "
            "de retour de {{ return.fee }}{% endif %}.</p><p>Selon votre banque, "
            "il peut apparaître sur votre compte d'ici quelques jours.</p>{% endif "
            "%}<p>Ce que vous avez retourné\xa0:</p><ul>{% for item in "
            "return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
            '}}</li>{% endfor %}</ul><p><a class="button" href="{{ return.url '
            '}}">Voir mon retour</a></p><p>Merci pour votre patience. Une '
            "question\xa0? Répondez simplement à cet e-mail.</p>",
            "preheader": "Le retour {{ return.rma }} est terminé.",
            "subject": '{% if return.resolution == "exchange_variant" %}Votre retour {{ '
            "return.rma }} est terminé{% elif return.credit_amount %}Votre "
            "avoir de {{ return.credit_amount }} est prêt{% else %}Votre "
            "remboursement de {{ return.refund_amount }} est en route{% endif "
            "%}",
        },
        {
            "html": '{% if return.resolution == "exchange_variant" %}<h1>Votre retour est '
            "terminé</h1><p>Bonjour{% if customer.first_name %} {{ "
            "customer.first_name }}{% endif %},</p><p>Votre retour <strong>{{ "
            "return.rma }}</strong> (commande {{ order.number }}) est terminé. En "
            "échange, vous recevez\xa0:</p><ul>{% for item in "
            "return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}{% "
            "if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}{% "
            "if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
            "endfor %}</ul>{% if return.exchange_tracking_url %}<p>Il est en "
            'route\xa0: <a href="{{ return.exchange_tracking_url }}">suivre le '
            "colis</a>.</p>{% else %}<p><strong>Son expédition\xa0:</strong> {{ "
            "return.exchange_ships }}</p>{% endif %}{% if return.credit_amount "
            "%}<p>Le nouvel article coûte moins cher\xa0: nous avons ajouté la "
            "différence, <strong>{{ return.credit_amount }}</strong>, à votre "
            "compte en avoir.</p>{% if return.credit_code %}<p>Votre code à saisir "
            "lors de votre commande\xa0: <strong>{{ return.credit_code "
            "}}</strong></p>{% else %}<p>Un autre e-mail vous donne le code à "
            "utiliser lors de votre commande.</p>{% endif %}{% endif %}{% elif "
            "return.credit_amount %}<h1>Votre avoir est prêt</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Nous avons ajouté un avoir de <strong>{{ "
            "return.credit_amount }}</strong> à votre compte pour votre retour "
            "<strong>{{ return.rma }}</strong> (commande {{ order.number }}){% if "
            "return.bonus_amount %}, dont un bonus de {{ return.bonus_amount }}{% "
            "endif %}.</p>{% if return.credit_code %}<p>Votre code à saisir lors "
            "de votre commande\xa0: <strong>{{ return.credit_code "
            "}}</strong></p>{% else %}<p>Un autre e-mail vous donne le code à "
            "utiliser lors de votre commande.</p>{% endif %}{% else %}<h1>Votre "
            "remboursement est en route</h1><p>Bonjour{% if customer.first_name %} "
            "{{ customer.first_name }}{% endif %},</p><p>Nous avons remboursé "
            "<strong>{{ return.refund_amount }}</strong> pour votre retour "
            "<strong>{{ return.rma }}</strong> (commande {{ order.number }}) sur "
            "votre moyen de paiement d’origine{% if return.fee %}, après des frais "
            "de retour de {{ return.fee }}{% endif %}.</p><p>Selon votre banque, "
            "il peut apparaître sur votre compte d’ici quelques jours.</p>{% endif "
            '%}{% if return.method == "keep_it" %}<p>Ce que vous avez gardé\xa0'
            ":</p>{% else %}<p>Ce que vous avez retourné\xa0:</p>{% endif %}<ul>{% "
            "for item in return.items %}<li>{{ item.quantity }} × {{ item.title "
            "}}{% if item.variant %} ({{ item.variant }}){% endif %} — {{ "
            'item.reason }}</li>{% endfor %}</ul><p><a class="button" href="{{ '
            'return.url }}">Voir mon retour</a></p><p>Merci pour votre patience. '
            "Une question\xa0? Répondez simplement à cet e-mail.</p>",
            "preheader": "Le retour {{ return.rma }} est terminé.",
            "subject": '{% if return.resolution == "exchange_variant" %}Votre retour {{ '
            "return.rma }} est terminé{% elif return.credit_amount %}Votre "
            "avoir de {{ return.credit_amount }} est prêt{% else %}Votre "
            "remboursement de {{ return.refund_amount }} est en route{% endif "
            "%}",
        },
    ),
    ("return-reminder", "fr"): (
        {
            "html": "<h1>N'oubliez pas votre retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Votre retour <strong>{{ return.rma }}</strong> pour la "
            "commande {{ order.number }} a été accepté, mais le colis n'est pas "
            'encore parti. {% if return.resolution == "exchange_variant" '
            "%}<strong>Votre nouvel article\xa0:</strong> {{ return.exchange_ships "
            "}}{% elif return.credit_amount %}Votre avoir est ajouté dès qu'il "
            "nous est parvenu.{% else %}Nous vous remboursons dès qu'il nous est "
            'parvenu.{% endif %}</p>{% if return.method == "keep_it" %}<p>Inutile '
            "de nous renvoyer quoi que ce soit\xa0: gardez {% if return.item_count "
            '== "1" %}l\'article{% else %}les articles{% endif %}. {% if '
            'return.resolution == "exchange_variant" %}Votre nouvel article '
            "suit.{% elif return.credit_amount %}Votre avoir suit.{% else %}Votre "
            "remboursement suit.{% endif %}</p>{% elif return.label_url "
            "%}<p>Imprimez votre étiquette prépayée, collez-la sur le colis et "
            'déposez-le chez le transporteur.</p><p><a class="button" href="{{ '
            'return.label_url }}">Imprimer mon étiquette</a></p>{% elif '
            "return.qr_code_url %}<p>Présentez ce QR code au point de dépôt\xa0: "
            'l\'étiquette y est imprimée pour vous.</p><p><a class="button" '
            'href="{{ return.qr_code_url }}">Afficher mon QR code</a></p>{% elif '
            'return.method == "ship_yourself" %}<p>Emballez soigneusement {% if '
            'return.item_count == "1" %}l\'article{% else %}les articles{% endif '
            "%}, glissez dans le colis un mot indiquant <strong>{{ return.rma "
            "}}</strong> et envoyez-le à\xa0:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% "
            "else %}<p>répondez à cet e-mail et nous vous donnerons notre adresse "
            "de retour.</p>{% endif %}<p>Gardez votre preuve de dépôt jusqu'à {% "
            'if return.resolution == "refund" %}votre remboursement{% else %}la '
            "fin de votre retour{% endif %}.</p>{% else %}<p>Votre {% if "
            'return.method == "qr_dropoff" %}QR code{% else %}étiquette prépayée{% '
            "endif %} est en préparation\xa0: vous la trouverez sur la page de "
            "votre retour dès qu'elle sera prête.</p>{% endif %}<p><a href=\"{{ "
            'return.url }}">Voir mon retour et où il en est</a></p><p>Déjà envoyé, '
            "ou vous avez changé d'avis\xa0? Répondez à cet e-mail pour nous le "
            "dire.</p>",
            "preheader": "Votre colis n'est pas encore parti\xa0: voici comment l'envoyer.",
            "subject": "Un rappel pour votre retour {{ return.rma }}",
        },
        {
            "html": "<h1>N'oubliez pas votre retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Votre retour <strong>{{ return.rma }}</strong> pour la "
            "commande {{ order.number }} a été accepté, mais le colis n'est pas "
            'encore parti. {% if return.resolution == "exchange_variant" '
            "%}<strong>Votre nouvel article\xa0:</strong> {{ return.exchange_ships "
            "}}{% elif return.credit_amount %}Votre avoir est ajouté dès qu'il "
            "nous est parvenu.{% else %}Nous vous remboursons dès qu'il nous est "
            'parvenu.{% endif %}</p>{% if return.method == "keep_it" %}<p>Inutile '
            "de nous renvoyer quoi que ce soit\xa0: gardez {% if return.item_count "
            '== "1" %}l’article{% else %}les articles{% endif %}. {% if '
            'return.resolution == "exchange_variant" %}Votre nouvel article '
            "suit.{% elif return.credit_amount %}Votre avoir suit.{% else %}Votre "
            "remboursement suit.{% endif %}</p>{% elif return.label_url "
            "%}<p>Imprimez votre étiquette prépayée, collez-la sur le colis et "
            'déposez-le chez le transporteur.</p><p><a class="button" href="{{ '
            'return.label_url }}">Imprimer mon étiquette</a></p>{% elif '
            "return.qr_code_url %}<p>Présentez ce QR code au point de dépôt\xa0: "
            'l’étiquette y est imprimée pour vous.</p><p><a class="button" '
            'href="{{ return.qr_code_url }}">Afficher mon QR code</a></p>{% elif '
            'return.method == "ship_yourself" %}<p>Emballez soigneusement {% if '
            'return.item_count == "1" %}l’article{% else %}les articles{% endif '
            "%}, glissez dans le colis un mot indiquant <strong>{{ return.rma "
            "}}</strong> et envoyez-le à\xa0:</p>{% if return.return_address "
            "%}<p><strong>{{ return.return_address|linebreaksbr }}</strong></p>{% "
            "else %}<p>répondez à cet e-mail et nous vous donnerons notre adresse "
            "de retour.</p>{% endif %}<p>Gardez votre preuve de dépôt jusqu’à {% "
            'if return.resolution == "refund" %}votre remboursement{% else %}la '
            "fin de votre retour{% endif %}.</p>{% else %}<p>Votre {% if "
            'return.method == "qr_dropoff" %}QR code{% else %}étiquette prépayée{% '
            "endif %} est en préparation\xa0: vous la trouverez sur la page de "
            'votre retour dès qu’elle sera prête.</p>{% endif %}<p><a href="{{ '
            'return.url }}">Voir mon retour et où il en est</a></p><p>Déjà envoyé, '
            "ou vous avez changé d'avis\xa0? Répondez à cet e-mail pour nous le "
            "dire.</p>",
            "preheader": "Votre colis n'est pas encore parti\xa0: voici comment l'envoyer.",
            "subject": "Un rappel pour votre retour {{ return.rma }}",
        },
    ),
    ("return-requested", "en"): (
        {
            "html": "<h1>We have your return request</h1><p>Hello{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Your return <strong>{{ return.rma }}</strong> for order {{ "
            "order.number }} is registered:</p><ul>{% for item in return.items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "({{ item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor "
            '%}</ul>{% if return.resolution == "exchange_variant" %}<p>In '
            "exchange, you get:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% endfor "
            "%}</ul><p><strong>When it ships:</strong> {{ return.exchange_ships "
            "}}</p>{% if return.credit_amount %}<p>The new item costs less: the "
            "difference, <strong>{{ return.credit_amount }}</strong>, comes to "
            "you as store credit once the return is complete.</p>{% endif %}{% "
            "elif return.credit_amount %}<p>Store credit: <strong>{{ "
            "return.credit_amount }}</strong>{% if return.bonus_amount %} "
            "(including a bonus of {{ return.bonus_amount }}){% endif %}.</p>{% "
            "else %}<p>Refund: <strong>{{ return.refund_amount }}</strong>{% if "
            "return.fee %} (a return fee of {{ return.fee }} deducted){% endif "
            '%}.</p>{% endif %}{% if return.method == "keep_it" and return.status '
            '!= "requested" and return.status != "rejected" and return.status != '
            '"cancelled" %}<p>Good news: it is approved already, and you can keep '
            '{% if return.item_count == "1" %}the item{% else %}the items{% endif '
            '%}.</p>{% elif return.status == "approved" %}<p>Good news: it is '
            "approved already. How to send it back follows in a separate "
            'email.</p>{% elif return.status == "requested" %}<p>What happens '
            "next: we review your request and email you our answer. Once it is "
            'approved, we tell you how to send {% if return.item_count == "1" '
            "%}the item{% else %}the items{% endif %} back.</p>{% endif %}<p><a "
            'class="button" href="{{ return.url }}">Follow my return</a></p><p>A '
            "question? Just reply to this email, a real person will answer.</p>",
            "preheader": '{% if return.status == "approved" %}It is approved: how to send '
            "it back follows.{% else %}We will review it and get back to "
            "you.{% endif %}",
            "subject": "Your return {{ return.rma }} is registered",
        },
        {
            "html": "<h1>We have your return request</h1><p>Hello{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Your return <strong>{{ return.rma }}</strong> for order {{ "
            "order.number }} is registered:</p><ul>{% for item in return.items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "({{ item.variant }}){% endif %} — {{ item.reason }}</li>{% endfor "
            '%}</ul>{% if return.resolution == "exchange_variant" %}<p>In '
            "exchange, you get:</p><ul>{% for item in return.exchange_items "
            "%}<li>{{ item.quantity }} × {{ item.title }}{% if item.variant %} "
            "(<strong>{{ item.variant }}</strong>){% endif %}{% if "
            "item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% endfor "
            "%}</ul><p><strong>When it ships:</strong> {{ return.exchange_ships "
            "}}</p>{% if return.credit_amount %}<p>The new item costs less: the "
            "difference, <strong>{{ return.credit_amount }}</strong>, comes to "
            "you as store credit once the return is complete.</p>{% endif %}{% "
            "elif return.credit_amount %}<p>Store credit: <strong>{{ "
            "return.credit_amount }}</strong>{% if return.bonus_amount %} "
            "(including a bonus of {{ return.bonus_amount }}){% endif %}.</p>{% "
            "else %}<p>Refund: <strong>{{ return.refund_amount }}</strong>{% if "
            "return.fee %} (a return fee of {{ return.fee }} deducted){% endif "
            '%}.</p>{% endif %}{% if return.method == "keep_it" and return.status '
            '!= "requested" and return.status != "rejected" and return.status != '
            '"cancelled" %}<p>Good news: it is approved already, and you can keep '
            '{% if return.item_count == "1" %}the item{% else %}the items{% endif '
            '%}.</p>{% elif return.status == "approved" %}<p>Good news: it is '
            "approved already. How to send it back follows in a separate "
            'email.</p>{% elif return.status == "requested" and return.method == '
            '"keep_it" %}<p>What happens next: we review your request and email '
            "you our answer. Once it is approved, you keep {% if "
            'return.item_count == "1" %}the item{% else %}the items{% endif %}: '
            'nothing to send back.</p>{% elif return.status == "requested" '
            "%}<p>What happens next: we review your request and email you our "
            "answer. Once it is approved, we tell you how to send {% if "
            'return.item_count == "1" %}the item{% else %}the items{% endif %} '
            'back.</p>{% endif %}<p><a class="button" href="{{ return.url '
            '}}">Follow my return</a></p><p>A question? Just reply to this email, '
            "a real person will answer.</p>",
            "preheader": '{% if return.status == "approved" %}It is approved: how to send '
            "it back follows.{% else %}We will review it and get back to "
            "you.{% endif %}",
            "subject": "Your return {{ return.rma }} is registered",
        },
    ),
    ("return-requested", "fr"): (
        {
            "html": "<h1>Nous avons bien reçu votre demande de retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Votre retour <strong>{{ return.rma }}</strong> pour la "
            "commande {{ order.number }} est enregistré\xa0:</p><ul>{% for item "
            "in return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
            "}}</li>{% endfor %}</ul>{% if return.resolution == "
            '"exchange_variant" %}<p>En échange, vous recevez\xa0:</p><ul>{% for '
            "item in return.exchange_items %}<li>{{ item.quantity }} × {{ "
            "item.title }}{% if item.variant %} (<strong>{{ item.variant "
            "}}</strong>){% endif %}{% if item.instead_of %} — {{ item.instead_of "
            "}}{% endif %}</li>{% endfor %}</ul><p><strong>Son expédition\xa0"
            ":</strong> {{ return.exchange_ships }}</p>{% if return.credit_amount "
            "%}<p>Le nouvel article coûte moins cher\xa0: la différence, "
            "<strong>{{ return.credit_amount }}</strong>, vous revient en avoir "
            "une fois le retour terminé.</p>{% endif %}{% elif "
            "return.credit_amount %}<p>Avoir\xa0: <strong>{{ return.credit_amount "
            "}}</strong>{% if return.bonus_amount %} (dont un bonus de {{ "
            "return.bonus_amount }}){% endif %}.</p>{% else %}<p>Remboursement\xa0"
            ": <strong>{{ return.refund_amount }}</strong>{% if return.fee %} "
            "(frais de retour de {{ return.fee }} déduits){% endif %}.</p>{% "
            'endif %}{% if return.method == "keep_it" and return.status != '
            '"requested" and return.status != "rejected" and return.status != '
            '"cancelled" %}<p>Bonne nouvelle\xa0: il est déjà accepté, et vous '
            'pouvez garder {% if return.item_count == "1" %}l\'article{% else '
            '%}les articles{% endif %}.</p>{% elif return.status == "approved" '
            "%}<p>Bonne nouvelle\xa0: il est déjà accepté. Les instructions pour "
            'nous renvoyer {% if return.item_count == "1" %}l\'article{% else '
            "%}les articles{% endif %} suivent dans un autre e-mail.</p>{% elif "
            'return.status == "requested" %}<p>La suite\xa0: nous examinons votre '
            "demande et vous répondons par e-mail. Une fois le retour accepté, "
            "nous vous expliquons comment nous renvoyer {% if return.item_count "
            '== "1" %}l\'article{% else %}les articles{% endif %}.</p>{% endif '
            '%}<p><a class="button" href="{{ return.url }}">Suivre mon '
            "retour</a></p><p>Une question\xa0? Répondez simplement à cet e-mail, "
            "une vraie personne vous répondra.</p>",
            "preheader": '{% if return.status == "approved" %}Il est accepté\xa0: les '
            "instructions d'envoi suivent.{% else %}Nous l'examinons et "
            "revenons vers vous.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est enregistré",
        },
        {
            "html": "<h1>Nous avons bien reçu votre demande de retour</h1><p>Bonjour{% if "
            "customer.first_name %} {{ customer.first_name }}{% endif "
            "%},</p><p>Votre retour <strong>{{ return.rma }}</strong> pour la "
            "commande {{ order.number }} est enregistré\xa0:</p><ul>{% for item "
            "in return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
            "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
            "}}</li>{% endfor %}</ul>{% if return.resolution == "
            '"exchange_variant" %}<p>En échange, vous recevez\xa0:</p><ul>{% for '
            "item in return.exchange_items %}<li>{{ item.quantity }} × {{ "
            "item.title }}{% if item.variant %} (<strong>{{ item.variant "
            "}}</strong>){% endif %}{% if item.instead_of %} — {{ item.instead_of "
            "}}{% endif %}</li>{% endfor %}</ul><p><strong>Son expédition\xa0"
            ":</strong> {{ return.exchange_ships }}</p>{% if return.credit_amount "
            "%}<p>Le nouvel article coûte moins cher\xa0: la différence, "
            "<strong>{{ return.credit_amount }}</strong>, vous revient en avoir "
            "une fois le retour terminé.</p>{% endif %}{% elif "
            "return.credit_amount %}<p>Avoir\xa0: <strong>{{ return.credit_amount "
            "}}</strong>{% if return.bonus_amount %} (dont un bonus de {{ "
            "return.bonus_amount }}){% endif %}.</p>{% else %}<p>Remboursement\xa0"
            ": <strong>{{ return.refund_amount }}</strong>{% if return.fee %} "
            "(frais de retour de {{ return.fee }} déduits){% endif %}.</p>{% "
            'endif %}{% if return.method == "keep_it" and return.status != '
            '"requested" and return.status != "rejected" and return.status != '
            '"cancelled" %}<p>Bonne nouvelle\xa0: il est déjà accepté, et vous '
            'pouvez garder {% if return.item_count == "1" %}l’article{% else '
            '%}les articles{% endif %}.</p>{% elif return.status == "approved" '
            "%}<p>Bonne nouvelle\xa0: il est déjà accepté. Les instructions pour "
            'nous renvoyer {% if return.item_count == "1" %}l’article{% else '
            "%}les articles{% endif %} suivent dans un autre e-mail.</p>{% elif "
            'return.status == "requested" and return.method == "keep_it" %}<p>La '
            "suite\xa0: nous examinons votre demande et vous répondons par "
            "e-mail. Une fois le retour accepté, vous gardez {% if "
            'return.item_count == "1" %}l’article{% else %}les articles{% endif '
            "%}\xa0: rien à nous renvoyer.</p>{% elif return.status == "
            '"requested" %}<p>La suite\xa0: nous examinons votre demande et vous '
            "répondons par e-mail. Une fois le retour accepté, nous vous "
            'expliquons comment nous renvoyer {% if return.item_count == "1" '
            "%}l’article{% else %}les articles{% endif %}.</p>{% endif %}<p><a "
            'class="button" href="{{ return.url }}">Suivre mon '
            "retour</a></p><p>Une question\xa0? Répondez simplement à cet e-mail, "
            "une vraie personne vous répondra.</p>",
            "preheader": '{% if return.status == "approved" %}Il est accepté\xa0: les '
            "instructions d’envoi suivent.{% else %}Nous l’examinons et "
            "revenons vers vous.{% endif %}",
            "subject": "Votre retour {{ return.rma }} est enregistré",
        },
    ),
}
# Defaults 0015 gave that a later version replaced without a migration (the kept item's approval line):
# untouched, they move to the new wording too.
EARLIER = {
    ("return-requested", "en"): {
        "html": "<h1>We have your return request</h1><p>Hello{% if customer.first_name "
        "%} {{ customer.first_name }}{% endif %},</p><p>Your return <strong>{{ "
        "return.rma }}</strong> for order {{ order.number }} is "
        "registered:</p><ul>{% for item in return.items %}<li>{{ item.quantity "
        "}} × {{ item.title }}{% if item.variant %} ({{ item.variant }}){% "
        "endif %} — {{ item.reason }}</li>{% endfor %}</ul>{% if "
        'return.resolution == "exchange_variant" %}<p>In exchange, you '
        "get:</p><ul>{% for item in return.exchange_items %}<li>{{ "
        "item.quantity }} × {{ item.title }}{% if item.variant %} (<strong>{{ "
        "item.variant }}</strong>){% endif %}{% if item.instead_of %} — {{ "
        "item.instead_of }}{% endif %}</li>{% endfor %}</ul><p><strong>When it "
        "ships:</strong> {{ return.exchange_ships }}</p>{% if "
        "return.credit_amount %}<p>The new item costs less: the difference, "
        "<strong>{{ return.credit_amount }}</strong>, comes to you as store "
        "credit once the return is complete.</p>{% endif %}{% elif "
        "return.credit_amount %}<p>Store credit: <strong>{{ "
        "return.credit_amount }}</strong>{% if return.bonus_amount %} "
        "(including a bonus of {{ return.bonus_amount }}){% endif %}.</p>{% "
        "else %}<p>Refund: <strong>{{ return.refund_amount }}</strong>{% if "
        "return.fee %} (a return fee of {{ return.fee }} deducted){% endif "
        '%}.</p>{% endif %}{% if return.status == "approved" and return.method '
        '== "keep_it" %}<p>Good news: it is approved already, and you can keep '
        '{% if return.item_count == "1" %}the item{% else %}the items{% endif '
        '%}.</p>{% elif return.status == "approved" %}<p>Good news: it is '
        "approved already. How to send it back follows in a separate "
        'email.</p>{% elif return.status == "requested" %}<p>What happens '
        "next: we review your request and email you our answer. Once it is "
        'approved, we tell you how to send {% if return.item_count == "1" '
        "%}the item{% else %}the items{% endif %} back.</p>{% endif %}<p><a "
        'class="button" href="{{ return.url }}">Follow my return</a></p><p>A '
        "question? Just reply to this email, a real person will answer.</p>",
        "preheader": '{% if return.status == "approved" %}It is approved: how to send '
        "it back follows.{% else %}We will review it and get back to "
        "you.{% endif %}",
        "subject": "Your return {{ return.rma }} is registered",
    },
    ("return-requested", "fr"): {
        "html": "<h1>Nous avons bien reçu votre demande de retour</h1><p>Bonjour{% if "
        "customer.first_name %} {{ customer.first_name }}{% endif "
        "%},</p><p>Votre retour <strong>{{ return.rma }}</strong> pour la "
        "commande {{ order.number }} est enregistré\xa0:</p><ul>{% for item in "
        "return.items %}<li>{{ item.quantity }} × {{ item.title }}{% if "
        "item.variant %} ({{ item.variant }}){% endif %} — {{ item.reason "
        '}}</li>{% endfor %}</ul>{% if return.resolution == "exchange_variant" '
        "%}<p>En échange, vous recevez\xa0:</p><ul>{% for item in "
        "return.exchange_items %}<li>{{ item.quantity }} × {{ item.title }}{% "
        "if item.variant %} (<strong>{{ item.variant }}</strong>){% endif %}{% "
        "if item.instead_of %} — {{ item.instead_of }}{% endif %}</li>{% "
        "endfor %}</ul><p><strong>Son expédition\xa0:</strong> {{ "
        "return.exchange_ships }}</p>{% if return.credit_amount %}<p>Le nouvel "
        "article coûte moins cher\xa0: la différence, <strong>{{ "
        "return.credit_amount }}</strong>, vous revient en avoir une fois le "
        "retour terminé.</p>{% endif %}{% elif return.credit_amount "
        "%}<p>Avoir\xa0: <strong>{{ return.credit_amount }}</strong>{% if "
        "return.bonus_amount %} (dont un bonus de {{ return.bonus_amount }}){% "
        "endif %}.</p>{% else %}<p>Remboursement\xa0: <strong>{{ "
        "return.refund_amount }}</strong>{% if return.fee %} (frais de retour "
        "de {{ return.fee }} déduits){% endif %}.</p>{% endif %}{% if "
        'return.status == "approved" and return.method == "keep_it" %}<p>Bonne '
        "nouvelle\xa0: il est déjà accepté, et vous pouvez garder {% if "
        'return.item_count == "1" %}l\'article{% else %}les articles{% endif '
        '%}.</p>{% elif return.status == "approved" %}<p>Bonne nouvelle\xa0: '
        "il est déjà accepté. Les instructions pour nous renvoyer {% if "
        'return.item_count == "1" %}l\'article{% else %}les articles{% endif '
        "%} suivent dans un autre e-mail.</p>{% elif return.status == "
        '"requested" %}<p>La suite\xa0: nous examinons votre demande et vous '
        "répondons par e-mail. Une fois le retour accepté, nous vous "
        'expliquons comment nous renvoyer {% if return.item_count == "1" '
        "%}l'article{% else %}les articles{% endif %}.</p>{% endif %}<p><a "
        'class="button" href="{{ return.url }}">Suivre mon '
        "retour</a></p><p>Une question\xa0? Répondez simplement à cet e-mail, "
        "une vraie personne vous répondra.</p>",
        "preheader": '{% if return.status == "approved" %}Il est accepté\xa0: les '
        "instructions d'envoi suivent.{% else %}Nous l'examinons et "
        "revenons vers vous.{% endif %}",
        "subject": "Votre retour {{ return.rma }} est enregistré",
    },
}
FIELDS = {"subject": "subject", "preheader": "preheader", "html": "html_body"}


def _swap(apps, before: int, after: int) -> None:
    StepTemplate = apps.get_model("flows", "StepTemplate")
    for key, versions in CHANGES.items():
        step_key, language = key
        olds = [versions[before]] + ([EARLIER[key]] if after == 1 and key in EARLIER else [])
        for old in olds:
            rows = StepTemplate._base_manager.filter(
                step__key=step_key,
                language=language,
                **{column: old.get(name, "") for name, column in FIELDS.items()},
            )
            rows.update(**{column: versions[after].get(name, "") for name, column in FIELDS.items()})


def true_to_each_return_wording(apps, schema_editor):
    _swap(apps, 0, 1)


def previous_wording(apps, schema_editor):
    _swap(apps, 1, 0)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0017_exchange_payment_email"),
        ("flows", "0006_template_subject_longer"),
    ]

    operations = [migrations.RunPython(true_to_each_return_wording, previous_wording)]
