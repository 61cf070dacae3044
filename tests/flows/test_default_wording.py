"""The default flows read like a person wrote them: articles, plurals and signatures right in English and
French, for one item and several, with and without someone to sign the check-in."""

import re

import pytest

from core.scoping import merchant_scope
from flows.content import freeze, sample_context, signer_name
from flows.defaults import default_flow_specs
from flows.models import FlowSettings
from flows.rendering import render_source
from merchants.models import Role
from tests.factories import MembershipFactory, UserFactory

STEPS = {step["key"]: step for _flow, steps in default_flow_specs() for step in steps}
ONE = [{"title": "Fig tree scented candle", "quantity": "1"}]
SEVERAL = [{"title": "Fig tree scented candle", "quantity": "2"}, {"title": "Candle snuffer", "quantity": "1"}]


def render(merchant, key, language, items, signer="Léa"):
    settings = FlowSettings(merchant=merchant, signature_name=signer)
    context = sample_context(merchant=merchant, language=language, flow_settings=settings)
    base = context["order"]["items"][0]
    context["order"] = {
        **context["order"],
        "items": [{**base, **item} for item in items],
        "item_count": str(sum(int(item["quantity"]) for item in items)),
    }
    context["signature"] = {"name": signer_name(merchant, settings, wanted=True)}
    template = STEPS[key]["templates"][language]
    parts = [render_source(template.get(f, ""), freeze(context), html_mode=f == "html") for f in template]
    return re.sub(r"<[^>]+>", " ", " ".join(parts))


def french_typography_faults(text: str) -> list[str]:
    return re.findall(r".{0,15}(?: [:?!;]|\w[?!;])", text)


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(STEPS))
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("items", [ONE, SEVERAL], ids=["one item", "several items"])
@pytest.mark.parametrize("signer", ["Léa", ""], ids=["signed", "unsigned"])
def test_every_default_step_reads_naturally(merchant, key, language, items, signer):
    text = render(merchant, key, language, items, signer)
    shop = merchant.name
    assert "{{" not in text and "{%" not in text
    assert "colissimo" not in text  # carriers by name, never by code
    for wrong in (" à le ", " de le ", f"{shop}, de {shop}", f"{shop} from {shop}", f"C’est {shop}", f"It's {shop}"):
        assert wrong not in text
    if language == "fr":
        assert french_typography_faults(text) == []
    several = items is SEVERAL
    if several:
        for singular in ("try it?", "votre article ", "votre article\u00a0", "We hope your Fig"):
            assert singular not in text
    else:
        for plural in ("try them?", "vos articles", "everything in your parcel"):
            assert plural not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "items", "sentence"),
    [
        ("en", ONE, "We hope your Fig tree scented candle brings you as much joy as we had preparing it."),
        ("en", SEVERAL, "We hope everything in your parcel brings you as much joy as we had preparing it."),
        ("fr", ONE, "Nous espérons que votre article «\u00a0Fig tree scented candle\u00a0» vous plaira"),
        (
            "fr",
            SEVERAL,
            "Nous espérons que vos articles vous plairont autant que nous avons aimé préparer votre colis.",
        ),
    ],
)
def test_the_welcome_speaks_of_one_item_or_several(merchant, language, items, sentence):
    assert sentence in render(merchant, "welcome", language, items)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "signer", "expected"),
    [
        ("en", "Léa", ["It's Léa from Maison", "I wanted to ask", "Thanks again,\nLéa\n"]),
        ("en", "", ["A quick note from", "we wanted to ask", "Thanks again,\nThe "]),
        ("fr", "Léa", ["C’est Léa, de chez", "je voulais vous demander"]),
        ("fr", "", ["Un petit mot de l’équipe de", "nous voulions vous demander", "Merci encore,\nL’équipe de"]),
    ],
)
def test_the_check_in_is_signed_by_a_person_or_by_the_shop(merchant, language, signer, expected):
    merchant.name = "Maison Lumière"
    text = render(merchant, "check-in", language, ONE, signer)
    for part in expected:
        assert part in text


@pytest.mark.django_db
def test_the_signer_is_the_named_person_else_the_owners_first_name_never_the_shop_name(merchant):
    merchant.name, merchant.sender_name = "Maison Lumière", "Maison Lumière"
    unnamed = FlowSettings(merchant=merchant)
    assert signer_name(merchant, unnamed) == ""
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=UserFactory(full_name="Léa Martin"), role=Role.OWNER)
    assert signer_name(merchant, unnamed) == "Léa"
    assert signer_name(merchant, FlowSettings(merchant=merchant, signature_name="Sam")) == "Sam"
    assert signer_name(merchant, FlowSettings(merchant=merchant, signature_name="maison lumière")) == "Léa"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_confirmation_lists_line_totals_and_lines_that_add_up_to_the_total(merchant, language):
    text = render(merchant, "order-confirmation", language, [{"title": "Candle", "quantity": "2"}])
    total, shipping = ("38.90", "4.90") if language == "en" else ("38,90", "4,90")
    assert "2 × " in text and shipping in text and total in text
