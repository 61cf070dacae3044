"""What counts as a "where is my order?" ticket, and which order it is about.

A ticket is WISMO when one of its tags is one of the shop's WISMO tags, or when its subject or first
message holds one of the shop's keywords (French and English by default). Text is compared without
case, accents or punctuation differences, so "Où est ma commande ?" matches "ou est ma commande".
"""

import re
import unicodedata
from typing import NamedTuple

DEFAULT_TAGS = (
    "wismo",
    "where-is-my-order",
    "where_is_my_order",
    "order-status",
    "ou-est-ma-commande",
    "suivi-commande",
    "retard-livraison",
    "delivery-delay",
)
DEFAULT_KEYWORDS = (
    # English
    "where is my order",
    "where's my order",
    "where is my package",
    "where is my parcel",
    "track my order",
    "tracking number",
    "order status",
    "not received",
    "haven't received",
    "has not arrived",
    "hasn't arrived",
    "still waiting for my order",
    "delivery status",
    "when will my order",
    "late delivery",
    # French
    "ou est ma commande",
    "ou en est ma commande",
    "suivi de commande",
    "suivi de ma commande",
    "numero de suivi",
    "pas recu",
    "pas encore recu",
    "toujours rien recu",
    "pas arrive",
    "ou est mon colis",
    "mon colis",
    "retard de livraison",
    "quand vais-je recevoir",
    "statut de ma commande",
)
MAX_RULES = 100
MAX_RULE_LENGTH = 80
TAG_LIMIT = 64
TAGS_KEPT = 20


def normalized(text: str) -> str:
    """Lower case, no accents, typographic apostrophes made plain, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


class Verdict(NamedTuple):
    is_wismo: bool
    reason: str


def wismo_verdict(*, tags: list[str], text: str, rule_tags, rule_keywords) -> Verdict:
    wanted_tags = {normalized(tag) for tag in rule_tags}
    for tag in tags:
        if normalized(tag) in wanted_tags:
            return Verdict(True, f"tag:{tag}"[:120])
    plain = normalized(text)
    for keyword in rule_keywords:
        if re.search(r"(?<!\w)" + re.escape(normalized(keyword)) + r"(?!\w)", plain):
            return Verdict(True, f"keyword:{keyword}"[:120])
    return Verdict(False, "no rule matched")


def tags_parse(value) -> list[str]:
    """Tags as helpdesks send them: a list of names, a list of {"name": …}, or one string of names
    separated by spaces or commas (how placeholders render them is not documented)."""
    if value is None:
        return []
    if isinstance(value, str):
        names = re.split(r"[\s,]+", value)
    elif isinstance(value, list):
        names = [item.get("name", "") if isinstance(item, dict) else item for item in value]
    else:
        raise ValueError("tags must be a string or a list")
    if not all(isinstance(name, str) for name in names):
        raise ValueError("each tag must be text")
    unique = dict.fromkeys(name.strip()[:TAG_LIMIT] for name in names if name.strip())
    return list(unique)[:TAGS_KEPT]


# "#1001", "order 1001", "commande n° 1001", "order number: A-1001": what a customer writes before it.
_ORDER_NUMBER = re.compile(
    r"(?:#|\b(?:order|commande|cmd|n°|no\.?|number|numero|numéro)\s*(?:#|n°|no\.?|number|numero|numéro)?\s*:?\s*)"
    r"([A-Za-z]{0,4}-?\d[\w-]{1,19})",
    re.IGNORECASE,
)


def order_number_candidates(text: str) -> list[str]:
    """Possible order numbers written in the text, without a leading "#", in the order found."""
    found = dict.fromkeys(match.group(1).strip("-") for match in _ORDER_NUMBER.finditer(text))
    return [number for number in found if number][:10]
