"""What counts as WISMO (tags, French and English phrases) and which order a ticket is about."""

from datetime import UTC, datetime

import pytest

from core.scoping import merchant_scope
from support.classification import (
    DEFAULT_KEYWORDS,
    DEFAULT_TAGS,
    order_number_candidates,
    tags_parse,
    wismo_verdict,
)
from support.services import ContactInput, support_contact_record, wismo_rules_save
from tests.factories import CustomerFactory, OrderFactory


def verdict(text, tags=()):
    return wismo_verdict(tags=list(tags), text=text, rule_tags=DEFAULT_TAGS, rule_keywords=DEFAULT_KEYWORDS)


@pytest.mark.parametrize(
    "text, keyword",
    [
        ("Où est ma commande ?", "ou est ma commande"),
        ("OU EST MON COLIS", "ou est mon colis"),
        ("Bonjour, je n’ai toujours pas reçu ma commande", "pas recu"),
        ("Numéro de suivi svp", "numero de suivi"),
        ("Where's my order??", "where's my order"),
        ("where is my parcel", "where is my parcel"),
        ("Hi, my package has not arrived", "has not arrived"),
        ("Could you give me the tracking number", "tracking number"),
    ],
)
def test_french_and_english_phrases_count(text, keyword):
    assert verdict(text) == (True, f"keyword:{keyword}")


@pytest.mark.parametrize(
    "text",
    [
        "Copie de ma facture",
        "I want to return a sweater",
        "Changer ma taille",
        "Appasrecu is not a phrase",  # a phrase only counts as whole words
    ],
)
def test_other_questions_do_not_count(text):
    assert verdict(text).is_wismo is False


def test_a_tag_counts_whatever_its_case():
    assert verdict("Question", tags=["billing", "WISMO"]) == (True, "tag:WISMO")


def test_tags_as_helpdesks_send_them():
    assert tags_parse("wismo  livraison,urgent") == ["wismo", "livraison", "urgent"]
    assert tags_parse([{"name": "wismo"}, {"name": "vip"}]) == ["wismo", "vip"]
    assert tags_parse(["a", "a", " "]) == ["a"]
    assert tags_parse(None) == []
    with pytest.raises(ValueError):
        tags_parse(12)


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("Où est ma commande #1001 ?", ["1001"]),
        ("commande n° 1002 pas reçue", ["1002"]),
        ("Order number: A-2043", ["A-2043"]),
        ("order 1005 and #1006", ["1005", "1006"]),
        ("Livré le 12/03, rien reçu", []),
    ],
)
def test_order_numbers_written_in_the_text(text, numbers):
    assert order_number_candidates(text) == numbers


pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def record(merchant, **fields):
    contact = ContactInput(**{"source": "api", "external_id": "T-1", "created_at": WHEN, **fields})
    return support_contact_record(merchant=merchant, contact=contact)[0]


def test_the_shops_own_rules_replace_the_defaults(scoped):
    wismo_rules_save(merchant=scoped, tags=["suivi"], keywords=["paquet perdu"])

    assert record(scoped, external_id="1", subject="Où est ma commande ?").is_wismo is False
    assert record(scoped, external_id="2", subject="Mon paquet perdu").wismo_reason == "keyword:paquet perdu"
    assert record(scoped, external_id="3", tags=["Suivi"]).wismo_reason == "tag:Suivi"


def test_the_first_message_is_read_but_never_kept(scoped):
    contact = record(scoped, subject="Question", message="Bonjour, où est mon colis ? Merci, Camille")

    assert (contact.is_wismo, contact.subject) == (True, "Question")
    assert "Camille" not in str(contact.__dict__)


def test_a_given_verdict_wins_over_the_rules(scoped):
    contact = record(scoped, subject="Où est ma commande ?", is_wismo=False)

    assert (contact.is_wismo, contact.wismo_reason) == (False, "given")


def test_an_order_number_wins_over_the_email(scoped):
    mine = OrderFactory(merchant=scoped, number="#2001")
    other_customer = CustomerFactory(merchant=scoped, email="someone@example.org")
    OrderFactory(merchant=scoped, customer=other_customer, placed_at=WHEN)

    contact = record(scoped, subject="Commande 2001 ?", email="someone@example.org")

    assert (contact.order_id, contact.customer_id, contact.matched_by) == (mine.pk, mine.customer_id, "order_number")


def test_a_guest_order_is_found_by_its_email(scoped):
    guest = OrderFactory(merchant=scoped, customer=None, email="guest@example.org", placed_at=WHEN)

    contact = record(scoped, email="GUEST@example.org")

    assert (contact.order_id, contact.matched_by) == (guest.pk, "email")


def test_no_order_of_another_shop_is_ever_matched(scoped, other_merchant):
    with merchant_scope(other_merchant):
        OrderFactory(merchant=other_merchant, number="#3001", email="camille@example.org", customer=None)

    contact = record(scoped, subject="order #3001", email="camille@example.org")

    assert (contact.order_id, contact.customer_id, contact.matched_by) == (None, None, "")


def test_a_customer_without_orders_is_still_named(scoped):
    customer = CustomerFactory(merchant=scoped, email="new@example.org")

    contact = record(scoped, email="new@example.org")

    assert (contact.order_id, contact.customer_id) == (None, customer.pk)
