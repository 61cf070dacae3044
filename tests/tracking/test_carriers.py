"""Carrier detection: the vectors of docs/tracking.md, and properties over generated numbers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.carriers import (
    S10_WEIGHTS,
    candidates_for,
    carrier_from_hint,
    detect,
    mod10_weighted,
    mod37_36_check,
    s10_check_digit,
    tracking_url_for,
)


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("1Z5R89390357567127", "ups"),
        ("1Z879E930346834440", "ups"),
        ("RB123456785GB", "royal_mail"),
        ("RB123456785US", "usps"),
        ("LA123456785FR", "colissimo"),
        ("RB123456785CV", "upu_post"),
        ("986578788855", "fedex"),
        ("3318810025", "dhl"),
        ("73891051146", "dhl"),
        ("008182709980000020033350276C", "dpd"),
        ("008182709980000020045327276N", "dpd"),
        ("00340433836442636597", "dhl_paket"),
        ("201298452277", "dhl_paket"),
        ("8D00432154798", "colissimo"),
        ("3SABCD1234567", "postnl"),  # domestic: 3S + customer code + serial (wire_formats §3.2)
        ("LS123456785NL", "postnl"),
        ("TBA000000000000", "amazon"),
        ("9400111201080805483016", "usps"),
    ],
)
def test_valid_vectors(number, carrier):
    assert detect(number).carrier == carrier


@pytest.mark.parametrize(
    "number",
    [
        "LA123456789FR",  # wrong S10 check digit (the right one is 5)
        "RB123456786US",
        "RB123456785XX",  # no such country
        "008182709980000020033350276A",
        "201298452278",
        "3318810010",
        "1z827wk74630",  # Shopify's sample: not a valid UPS number
        "2Z5R89390357567127",
        "3SABC1234567",  # a customer code has four letters
    ],
)
def test_invalid_vectors_are_unknown(number):
    assert detect(number).carrier == "unknown"
    assert detect(number).candidates == []


def test_collisions_keep_every_candidate():
    assert candidates_for("9261292700768711948021") == ["usps", "fedex"]
    assert candidates_for("201298452277") == ["dhl_paket", "fedex"]
    assert candidates_for("LA123456785FR") == ["colissimo", "chronopost"]


@pytest.mark.parametrize(
    ("number", "hint", "carrier"),
    [
        ("LA123456785FR", "Chronopost", "chronopost"),
        ("LA123456785FR", "La Poste", "colissimo"),
        ("201298452277", "FedEx", "fedex"),
        ("201298452277", "DHL", "dhl_paket"),  # the DHL family, the detected member
        ("12345678", "Mondial Relay", "mondial_relay"),  # no public format: the shop's word only
        ("1234567890", "GLS", "gls"),
        ("3SABCD1234567", "PostNL", "postnl"),
        ("whatever", "Bpost", "bpost"),  # a carrier we do not know keeps its name
    ],
)
def test_the_shop_named_carrier_wins(number, hint, carrier):
    assert detect(number, hint=hint).carrier == carrier


def test_hint_aliases():
    assert carrier_from_hint("DHL Express") == "dhl"
    assert carrier_from_hint("Deutsche Post DHL") == "dhl_paket"
    assert carrier_from_hint("  ") == ""


def test_tracking_url_quotes_the_number():
    assert (
        tracking_url_for("colissimo", "8D00432154798")
        == "https://www.laposte.fr/outils/suivre-vos-envois?code=8D00432154798"
    )
    assert tracking_url_for("unknown", "X") == ""
    assert tracking_url_for("dpd", "a/b?c").endswith("a%2Fb%3Fc")


def test_reference_check_digits():
    assert s10_check_digit("12345678") == 5
    assert mod10_weighted("0034043383644263659", (3, 1)) == 7
    assert mod37_36_check("008182709980000020033350276") == "C"


# --- Properties ------------------------------------------------------------------------------------

serials = st.text(alphabet="0123456789", min_size=8, max_size=8)
countries = st.sampled_from(["FR", "GB", "NL", "DE", "US", "BE", "ES", "IT"])
indicators = st.sampled_from(["RB", "LA", "CP", "EE", "VV", "UA"])


@settings(max_examples=200, deadline=None)
@given(indicator=indicators, serial=serials, country=countries)
def test_any_s10_number_with_its_check_digit_is_recognised(indicator, serial, country):
    number = f"{indicator}{serial}{s10_check_digit(serial)}{country}"
    assert detect(number).carrier != "unknown"
    wrong = f"{indicator}{serial}{(s10_check_digit(serial) + 1) % 10}{country}"
    # A different check digit is valid only when the digit really is the same modulo 11 rule.
    if (s10_check_digit(serial) + 1) % 10 != s10_check_digit(serial):
        assert not any(c in detect(wrong).candidates for c in ("colissimo", "royal_mail", "postnl", "upu_post"))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_detection_never_raises(text):
    assert detect(text).carrier


@settings(max_examples=200, deadline=None)
@given(
    number=st.sampled_from(["1Z5R89390357567127", "RB123456785GB", "008182709980000020033350276C", "3318810025"]),
    data=st.data(),
)
def test_detection_ignores_case_and_spaces(number, data):
    spaced = "".join(char.lower() + data.draw(st.sampled_from(["", " ", "  "])) for char in number)
    assert detect(spaced).candidates == detect(number).candidates


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=19, max_size=19))
def test_dhl_paket_20_digit_check(body):
    number = "00340" + body[5:]
    number = number[:19] + str(mod10_weighted(number[:19], (3, 1)))
    assert "dhl_paket" in candidates_for(number)


def test_s10_weights_are_the_upu_ones():
    assert S10_WEIGHTS == (8, 6, 4, 2, 3, 5, 9, 7)


def test_a_number_the_package_raises_on_is_nobodys_and_says_why():
    # The package reads a UPS check digit with int(): a letter there raised ValueError.
    detection = detect("1Z999AA1012345678X")

    assert (detection.carrier, detection.candidates) == ("unknown", [])
    assert "UPS" in detection.problem and "ValueError" in detection.problem
    assert detect("1Z999AA1012345678X", hint="UPS").carrier == "ups"  # the shop's word still counts
    assert detect("1Z999AA10123456784").problem == ""
