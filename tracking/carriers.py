"""Carriers: who a tracking number belongs to, and where its public tracking page is.

Detection keeps every carrier whose format and check digit match (several can: a 12-digit
number may be FedEx Express or a DHL Paket Identcode). The carrier the shop names wins over
the number; a number nobody recognises is accepted as carrier "unknown". Formats and
sources: docs/tracking.md. Formats our references list as unverified are not encoded here.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from tracking_numbers import _generated as package_definitions
from tracking_numbers import get_definition

from flows.context_providers import ShipmentField

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    url_template: str = ""  # {number} is replaced by the URL-quoted tracking number
    default_transit_days: tuple[int, int] = (2, 5)  # business days, used until we have history


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier(
            "colissimo", "La Poste Colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={number}", (1, 3)
        ),
        Carrier(
            "chronopost",
            "Chronopost",
            "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
            (1, 2),
        ),
        Carrier(
            "mondial_relay",
            "Mondial Relay",
            "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={number}",
            (3, 6),
        ),
        Carrier("dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}", (1, 3)),
        Carrier("gls", "GLS", "https://gls-group.com/track/{number}", (1, 3)),
        Carrier("dhl", "DHL Express", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}", (1, 3)),
        Carrier(
            "dhl_paket",
            "DHL Paket",
            "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}",
            (1, 3),
        ),
        Carrier("postnl", "PostNL", "https://postnl.nl/tracktrace/?B={number}", (1, 3)),
        Carrier(
            "royal_mail", "Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}", (1, 3)
        ),
        Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={number}", (1, 5)),
        Carrier("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}", (1, 5)),
        Carrier("usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}", (2, 5)),
        Carrier("amazon", "Amazon Logistics", "https://track.amazon.com/tracking/{number}", (1, 3)),
        Carrier("ontrac", "OnTrac", "https://www.ontrac.com/tracking/?number={number}", (1, 5)),
        Carrier("cdl", "CDL Last Mile", "", (1, 3)),
        Carrier("upu_post", _("International post"), "", (5, 15)),
        Carrier(UNKNOWN, _("Unknown carrier"), "", (2, 7)),
    )
}

# What shops type as the carrier, reduced to lowercase letters and digits -> our code.
HINT_ALIASES = {
    "laposte": "colissimo",
    "colissimo": "colissimo",
    "lapostecolissimo": "colissimo",
    "chronopost": "chronopost",
    "mondialrelay": "mondial_relay",
    "dpd": "dpd",
    "dpdfrance": "dpd",
    "dpdde": "dpd",
    "dpduk": "dpd",
    "gls": "gls",
    "dhl": "dhl",
    "dhlexpress": "dhl",
    "dhlpaket": "dhl_paket",
    "dhlparcel": "dhl_paket",
    "deutschepost": "dhl_paket",
    "deutschepostdhl": "dhl_paket",
    "postnl": "postnl",
    "royalmail": "royal_mail",
    "ups": "ups",
    "fedex": "fedex",
    "usps": "usps",
    "unitedstatespostalservice": "usps",
    "amazon": "amazon",
    "amazonlogistics": "amazon",
    "ontrac": "ontrac",
}
# A shop naming one of these families accepts any detected member of it ("DHL" + a Paket number).
HINT_FAMILIES = {"dhl": {"dhl", "dhl_paket"}, "dpd": {"dpd"}, "colissimo": {"colissimo", "chronopost"}}

# UPU S10: the two-letter country code names the postal operator that issued the number.
S10_OPERATORS = {
    "FR": ("colissimo", "chronopost"),
    "GB": ("royal_mail",),
    "NL": ("postnl",),
    "DE": ("dhl_paket",),
    "US": ("usps",),
}
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)([A-Z]{2})")
_DPD_28 = re.compile(r"\d{7}\d{14}\d{3}\d{3}[0-9A-Z]")
_DIGITS_20_DHL = re.compile(r"00340\d{15}")
_DIGITS_14 = re.compile(r"\d{14}")
_DIGITS_12 = re.compile(r"\d{12}")
_JJD = re.compile(r"JJD[0-9A-Z]{13}")
_COLISSIMO_DOMESTIC = re.compile(r"\d[A-Z]\d{11}")
_POSTNL_DOMESTIC = re.compile(r"3S[A-Z]{4}\d{7,9}")  # "3S", the sender's 4-letter customer code, a serial
_PACKAGE_COURIERS = {"ups": "ups", "fedex": "fedex", "usps": "usps", "dhl": "dhl", "amazon": "amazon"}
_PACKAGE_COURIERS |= {"ontrac": "ontrac", "cdl": "cdl"}
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Detection:
    carrier: str
    candidates: list[str]
    number: str
    problem: str = ""  # why the number could not be checked at all, for staff


def normalize_number(number: str) -> str:
    """Numbers are printed with spaces and typed in any case; we store them without either."""
    return _WHITESPACE.sub("", number or "").upper()


# --- Check digits (docs/tracking.md) -----------------------------------------------------------


def s10_check_digit(serial: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {0: 5, 1: 0}.get(remainder, 11 - remainder)


def mod10_weighted(digits: str, weights: tuple[int, int]) -> int:
    total = sum(int(d) * weights[i % 2] for i, d in enumerate(digits))
    return (10 - total % 10) % 10


def mod37_36_check(body: str) -> str:
    """ISO 7064 MOD 37,36 as DPD uses it on its 28-character label barcode."""
    cd = 36
    for char in body:
        cd = int(char, 36) + cd
        if cd > 36:
            cd -= 36
        cd *= 2
        if cd > 36:
            cd -= 37
    cd = 37 - cd
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[0 if cd == 36 else cd]


def _s10_carriers(number: str, problems: list[str]) -> list[str]:
    match = _S10.fullmatch(number)
    if not match or s10_check_digit(match.group(1)) != int(match.group(2)):
        return []
    if not _package_valid(get_definition("S10"), number, problems):  # checks the country code against the UPU list
        return []
    return list(S10_OPERATORS.get(match.group(3), ("upu_post",)))


def _european_carriers(number: str, problems: list[str]) -> list[str]:
    found = _s10_carriers(number, problems)
    if _DPD_28.fullmatch(number) and mod37_36_check(number[:-1]) == number[-1]:
        found.append("dpd")
    if _DIGITS_20_DHL.fullmatch(number) and mod10_weighted(number[:19], (3, 1)) == int(number[19]):
        found.append("dhl_paket")
    if _DIGITS_14.fullmatch(number) and mod10_weighted(number[:13], (3, 1)) == int(number[13]):
        found.append("dpd")
    if _DIGITS_12.fullmatch(number) and mod10_weighted(number[:11], (4, 9)) == int(number[11]):
        found.append("dhl_paket")
    if _JJD.fullmatch(number):  # shape only: the JJD check digit is not documented
        found.append("dhl_paket")
    if _COLISSIMO_DOMESTIC.fullmatch(number):  # shape only: the Colissimo check digit is not documented
        found.append("colissimo")
    if _POSTNL_DOMESTIC.fullmatch(number):  # shape only: PostNL publishes no check digit
        found.append("postnl")
    return found


def _package_carriers(number: str, problems: list[str]) -> list[str]:
    """Every carrier the tracking-numbers package validates the number for (check digit included)."""
    found = []
    for definition in package_definitions.DEFINITIONS:
        code = _PACKAGE_COURIERS.get(definition.courier.code)
        if code is None:  # its S10 definition is handled above, with the issuing operator
            continue
        if _package_valid(definition, number, problems):
            found.append(code)
    return found


def _package_valid(definition, number: str, problems: list[str]) -> bool:
    """The package's verdict. When it raises instead (int() of a letter check digit, say), the
    number is not that carrier's and `problems` says so: a shipment is never lost to the package."""
    try:
        result = definition.test(number)
    except Exception as exc:
        problems.append(f"checking it as a {definition.courier.name} number failed ({type(exc).__name__}: {exc})")
        return False
    return result is not None and result.valid


def candidates_for(number: str, problems: list[str] | None = None) -> list[str]:
    """The carriers whose format and check digit the number matches; checks that failed go to `problems`."""
    problems = [] if problems is None else problems
    number = normalize_number(number)
    if not number or len(number) > 64:
        return []
    found = _european_carriers(number, problems) + _package_carriers(number, problems)
    return list(dict.fromkeys(found))  # keep the order, drop repeats


def carrier_from_hint(hint: str) -> str:
    """Our code for the carrier a shop names; a carrier we do not know keeps its own name."""
    key = re.sub(r"[^a-z0-9]", "", (hint or "").lower())
    if not key:
        return ""
    if key in HINT_ALIASES:
        return HINT_ALIASES[key]
    if key in CARRIERS:
        return key
    return slugify(hint).replace("-", "_")[:40] or ""


def detect(number: str, *, hint: str = "") -> Detection:
    """The carrier of `number`: the shop's named carrier first, else the first candidate, else unknown.

    A check the tracking-numbers package fails on matches nothing, and the Detection says so: the
    shipment is stored (carrier unknown if nothing else matched) and staff can see why.
    """
    normalized = normalize_number(number)
    problems: list[str] = []
    candidates = candidates_for(normalized, problems)
    problem = f"Tracking number {normalized}: {'; '.join(problems)}." if problems else ""
    named = carrier_from_hint(hint)
    if named:
        family = HINT_FAMILIES.get(named, {named})
        in_family = [c for c in candidates if c in family]
        carrier = in_family[0] if in_family else named
    else:
        carrier = candidates[0] if candidates else UNKNOWN
    return Detection(carrier=carrier, candidates=candidates, number=normalized, problem=problem)


def carrier_name(code: str) -> str:
    """The name people know the carrier by, in the active language; a carrier we do not know by its name."""
    known = CARRIERS.get(code)
    return str(known.name) if known else code.replace("_", " ").title()


def carrier_name_field():
    """`{{ shipment.carrier_name }}` in email templates: empty for a carrier we cannot name, so a template's
    `{% if shipment.carrier_name %}` leaves out "with Unknown carrier"."""
    return ShipmentField(
        "carrier_name",
        value=lambda shipment: "" if shipment.carrier == UNKNOWN else carrier_name(shipment.carrier),
        sample=CARRIERS["colissimo"].name,
    )


def tracking_url_for(code: str, number: str) -> str:
    known = CARRIERS.get(code)
    if not known or not known.url_template or not number:
        return ""
    return known.url_template.format(number=quote(number, safe=""))


def default_transit_days(code: str) -> tuple[int, int]:
    return (CARRIERS.get(code) or CARRIERS[UNKNOWN]).default_transit_days
