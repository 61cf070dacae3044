"""Reward emails: default transactional flows of the email engine (flows/) on the customer-anchored
events `loyalty.reward_redeemed` (the code) and `loyalty.reward_given_back` (the points are back),
and the `{{ reward }}` variable their templates read:

    {{ reward.name }} ("5 € de réduction")  {{ reward.points }} ("300")  {{ reward.code }} ("PTS-7K4M-Q2XR",
    "" for store credit)  {{ reward.store_credit }} ("5,00 €" for store credit, else "")
    {{ reward.expires_on }} (the code's last day, or "")  {{ reward.balance }} (the points available now)  {{ reward.url }} (the portal's loyalty page)

An email reads the redemption its event named (anchor "loyalty:redemption:42[:given_back]").
"""

from django.conf import settings

from core.l10n import format_day, format_money
from core.scoping import merchant_scope
from flows.context_providers import EmailContextProvider
from flows.defaults import event_email_spec
from portal.links import customer_portal_url

from .models import Account
from .models_rewards import Redemption, RewardKind

EMPTY = {"name": "", "points": "", "code": "", "store_credit": "", "expires_on": "", "balance": "", "url": ""}
ANCHOR_PREFIX = "loyalty:redemption:"


def register() -> None:
    from flows.context_providers import email_context_register
    from flows.defaults import default_flows_register

    email_context_register(
        EmailContextProvider(
            "reward", value=order_value, sample=sample_value, customer_value=customer_value, empty=EMPTY
        )
    )
    default_flows_register("loyalty_rewards", reward_flow_specs)


def redemption_id(anchor_key: str) -> int | None:
    if not anchor_key.startswith(ANCHOR_PREFIX):
        return None
    pk = anchor_key[len(ANCHOR_PREFIX) :].split(":", 1)[0]
    return int(pk) if pk.isdigit() else None


def customer_value(customer, anchor_key: str, language: str) -> dict:
    pk = redemption_id(anchor_key)
    with merchant_scope(customer.merchant):
        redemption = (
            Redemption.objects.select_related("reward").filter(pk=pk, customer=customer).first() if pk else None
        )
        account = Account.objects.filter(merchant=customer.merchant, customer=customer).first()
    value = {
        **EMPTY,
        "balance": str(account.available if account else 0),
        "url": f"{customer_portal_url(customer, 'points')}?lang={language}",
    }
    if redemption is None:
        return value
    value["name"] = redemption.reward.name(language)
    value["points"] = str(redemption.points)
    if redemption.kind == RewardKind.STORE_CREDIT:
        value["store_credit"] = format_money(redemption.value, redemption.currency, language)
    elif redemption.status == "issued":
        value["code"] = redemption.code
        if redemption.expires_at:
            value["expires_on"] = format_day(redemption.expires_at, language, customer.merchant.tzinfo)
    return value


def order_value(order, language: str) -> dict:
    return dict(EMPTY)  # a reward is about a customer, never an order


def sample_value(merchant, language: str) -> dict:
    fr = language == "fr"
    return {
        "name": "5 € de réduction" if fr else "€5 off",
        "points": "300",
        "code": "PTS-7K4M-Q2XR",
        "store_credit": "",
        "expires_on": "4 juin 2027" if fr else "4 June 2027",
        "balance": "740",
        "url": f"{settings.SITE_URL}/points/sample/?lang={language}",
    }


_HELLO = {
    "en": "<p>Hello{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
    "fr": "<p>Bonjour{% if customer.first_name %} {{ customer.first_name }}{% endif %},</p>",
}
_CODE = '<p style="font-size:1.4em;letter-spacing:.08em"><strong>{{ reward.code }}</strong></p>'
_REPLY = {
    "en": "<p>A question? Just reply to this email, a real person will answer.</p>",
    "fr": "<p>Une question\u00a0? Répondez simplement à cet e-mail, une vraie personne vous répondra.</p>",
}

REDEEMED = {
    "en": {
        "subject": "Your reward at {{ shop.name }}: {{ reward.name }}",
        "preheader": "{{ reward.points }} points well spent. Here is how to use it.",
        "html": "<h1>Your reward is ready</h1>"
        + _HELLO["en"]
        + "<p>You spent <strong>{{ reward.points }} points</strong> on <strong>{{ reward.name }}</strong>.</p>"
        "{% if reward.code %}<p>Enter this code at checkout, in the discount code field. It works once, "
        "for you only:</p>" + _CODE + "{% if reward.expires_on %}<p>Use it by {{ reward.expires_on }}: after that day, "
        "it expires and your points come back.</p>{% endif %}{% endif %}"
        "{% if reward.store_credit %}<p>{{ reward.store_credit }} was added to your store credit: its code "
        "comes in a separate email.</p>{% endif %}"
        "<p>You have {{ reward.balance }} points left.</p>"
        '<p><a class="button" href="{{ reward.url }}">See my points</a></p>' + _REPLY["en"],
    },
    "fr": {
        "subject": "Votre récompense chez {{ shop.name }}\u00a0: {{ reward.name }}",
        "preheader": "{{ reward.points }} points bien utilisés. Voici comment en profiter.",
        "html": "<h1>Votre récompense est prête</h1>"
        + _HELLO["fr"]
        + "<p>Vous avez utilisé <strong>{{ reward.points }} points</strong> pour <strong>{{ reward.name }}</strong>.</p>"
        "{% if reward.code %}<p>Saisissez ce code lors du paiement, dans le champ code promo. Il vaut une fois, "
        "pour vous uniquement\u00a0:</p>"
        + _CODE
        + "{% if reward.expires_on %}<p>Utilisez-le d’ici le {{ reward.expires_on }}\u00a0: "
        "passé ce jour, il expire et vos points vous sont rendus.</p>{% endif %}{% endif %}"
        "{% if reward.store_credit %}<p>{{ reward.store_credit }} ont été ajoutés à votre avoir\u00a0: son code "
        "vous arrive dans un autre e-mail.</p>{% endif %}"
        "<p>Il vous reste {{ reward.balance }} points.</p>"
        '<p><a class="button" href="{{ reward.url }}">Voir mes points</a></p>' + _REPLY["fr"],
    },
}

GIVEN_BACK = {
    "en": {
        "subject": "Your {{ reward.points }} points are back at {{ shop.name }}",
        "preheader": "We could not create your reward's code.",
        "html": "<h1>Your points are back</h1>"
        + _HELLO["en"]
        + "<p>We could not create the code for <strong>{{ reward.name }}</strong> in the shop, so we gave "
        "your <strong>{{ reward.points }} points</strong> back. You now have {{ reward.balance }} points: "
        "you can choose a reward again.</p>"
        '<p><a class="button" href="{{ reward.url }}">See my points</a></p>' + _REPLY["en"],
    },
    "fr": {
        "subject": "Vos {{ reward.points }} points vous sont rendus chez {{ shop.name }}",
        "preheader": "Nous n’avons pas pu créer le code de votre récompense.",
        "html": "<h1>Vos points vous sont rendus</h1>"
        + _HELLO["fr"]
        + "<p>Nous n’avons pas pu créer le code de <strong>{{ reward.name }}</strong> dans la boutique\u00a0: "
        "vos <strong>{{ reward.points }} points</strong> vous sont donc rendus. Vous avez maintenant "
        "{{ reward.balance }} points et pouvez choisir à nouveau une récompense.</p>"
        '<p><a class="button" href="{{ reward.url }}">Voir mes points</a></p>' + _REPLY["fr"],
    },
}


def reward_flow_specs() -> list[tuple[dict, list[dict]]]:
    return [
        event_email_spec(
            "loyalty-reward-code",
            {"en": "Reward code", "fr": "Code de récompense"},
            "loyalty.reward_redeemed",
            REDEEMED,
        ),
        event_email_spec(
            "loyalty-reward-given-back",
            {"en": "Reward points given back", "fr": "Points de récompense rendus"},
            "loyalty.reward_given_back",
            GIVEN_BACK,
        ),
    ]
