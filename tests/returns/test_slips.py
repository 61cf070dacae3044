"""Packing slips (returns/slips.py): the PDF, for the customer (signed order link) and for staff."""

import base64
import re
import zlib
from decimal import Decimal

import pytest
from django.test import Client

from core.scoping import merchant_scope
from portal.links import order_token
from returns.labels.models import LabelSettings
from returns.lifecycle import ItemInput, return_approve, return_request_create
from returns.models import ReturnPolicy, ReturnRequest
from tests.conftest import login_as
from tests.factories import LineItemFactory, MembershipFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: every content stream, inflated, its (strings) joined."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):  # reportlab: /Filter [/ASCII85Decode /FlateDecode]
            stream = base64.a85decode(b"<~" + stream, adobe=True)
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    drawn = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", b"\n".join(chunks))
    octal = re.compile(rb"\\([0-7]{3}|.)")
    unescaped = (octal.sub(lambda m: bytes([int(m[1], 8)]) if len(m[1]) == 3 else m[1], part) for part in drawn)
    return " ".join(part.decode("cp1252") for part in unescaped)  # WinAnsiEncoding


@pytest.fixture
def the_return(merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself", "label"],
            return_address="Maison Lumière\n12 rue des Lilas\n75011 Paris",
        )
    order = OrderFactory(merchant=merchant, number="#1042", discount=Decimal(0))
    line = LineItemFactory(merchant=merchant, order=order, title="Bougie parfumée", quantity=2, sku="BG-01")
    created = return_request_create(order=order, items=[ItemInput(line.pk, 2, "too_big")], method="ship_yourself")
    return return_approve(request=created)


def slip_url(the_return, lang="en", token=None):
    return f"/returns/{token or order_token(the_return.order)}/{the_return.rma}/slip.pdf?lang={lang}"


def test_the_customer_gets_the_slip_in_english(the_return):
    response = Client().get(slip_url(the_return))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="R-1042-1.pdf"'
    text = pdf_text(response.content)
    assert "R-1042-1" in text and "Return packing slip" in text and "#1042" in text
    assert "2" in text and "Bougie parfumée" in text and "12 rue des Lilas" in text
    assert "Write R-1042-1 on the parcel" in text


def test_the_customer_gets_the_slip_in_french(the_return):
    text = pdf_text(Client().get(slip_url(the_return, lang="fr")).content)
    assert "R-1042-1" in text and "Bordereau de retour" in text and "Commande #1042" in text


def test_a_tampered_or_foreign_link_finds_no_slip(the_return, other_merchant):
    token = order_token(the_return.order)
    assert Client().get(slip_url(the_return, token=token[:-2] + "xx")).status_code == 404
    other_order = OrderFactory(merchant=other_merchant)
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(merchant=other_merchant, methods=["ship_yourself"])
    # A valid link of another shop's order does not open this shop's return.
    assert Client().get(slip_url(the_return, token=order_token(other_order))).status_code == 404


def test_staff_of_the_shop_only_print_the_slip(the_return, client, staff_client, other_merchant):
    url = f"/app/returns/{the_return.pk}/slip.pdf"
    response = staff_client.get(url)
    assert response.status_code == 200 and "R-1042-1" in pdf_text(response.content)
    stranger = UserFactory(email="someone@other.example")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=stranger)
    assert login_as(Client(), stranger, other_merchant).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_slip_says_what_to_do_for_a_label_and_falls_back_to_the_label_settings_address(merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["label"])
        LabelSettings.objects.create(
            merchant=merchant,
            address_name="Acme Returns",
            address_street1="417 Montgomery St",
            address_city="San Francisco",
            address_zip="94104",
            address_country="US",
        )
    order = OrderFactory(merchant=merchant, number="#2001")
    line = LineItemFactory(merchant=merchant, order=order, title="Vase")
    the_return = return_request_create(order=order, items=[ItemInput(line.pk, 1, "too_big")], method="label")
    with merchant_scope(merchant):
        ReturnRequest.objects.filter(pk=the_return.pk).update(
            status="approved", label_url="https://easypost-files.s3.amazonaws.com/label.pdf"
        )
    text = pdf_text(Client().get(slip_url(the_return)).content)
    assert "Print the prepaid label" in text and "417 Montgomery St" in text


def test_without_a_label_provider_a_label_return_is_sent_like_ship_yourself(merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["label"], return_address="12 rue des Lilas")
    order = OrderFactory(merchant=merchant, number="#3001")
    line = LineItemFactory(merchant=merchant, order=order, title="Vase")
    the_return = return_approve(
        request=return_request_create(order=order, items=[ItemInput(line.pk, 1, "too_big")], method="label")
    )
    text = pdf_text(Client().get(slip_url(the_return)).content)
    assert "Write R-3001-1 on the parcel" in text and "label is on its way" not in text
