"""Tracking numbers in each carrier's real format, with valid check digits.

Demo shipments look like the real thing, so carrier detection and tracking links work on
them. Formats and check-digit rules: docs/tracking.md (UPU S10, UPS mod 10, DHL mod 7,
DPD 14-digit mod 10 3/1).
"""

from random import Random

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {0: 5, 1: 0}.get(remainder, 11 - remainder)


def ups_check_digit(body: str) -> int:
    """mod 10 over the 15 characters after '1Z': letters map to (ord - 3) % 10, odd indexes doubled."""
    total = 0
    for index, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 3) % 10
        total += value * (2 if index % 2 else 1)
    return (10 - total % 10) % 10


def mod10_3_1_check_digit(digits: str) -> int:
    total = sum(int(d) * (3 if index % 2 == 0 else 1) for index, d in enumerate(digits))
    return (10 - total % 10) % 10


def _digits(rng: Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def colissimo(rng: Random) -> str:
    """Domestic La Poste parcel: a digit, a letter, eleven digits (e.g. 6A12345678901)."""
    return rng.choice(("6A", "6C", "8R", "8L", "5S")) + _digits(rng, 11)


def chronopost(rng: Random) -> str:
    """Chronopost is La Poste's express (EMS) network: UPU S10 numbers ending in FR."""
    serial = _digits(rng, 8)
    return f"E{rng.choice('EVX')}{serial}{s10_check_digit(serial)}FR"


def mondial_relay(rng: Random) -> str:
    """Mondial Relay shipment numbers are eight digits."""
    return _digits(rng, 8)


def dpd(rng: Random) -> str:
    """DPD parcel number: fourteen digits, the last a mod 10 (3/1) check digit."""
    body = "2" + _digits(rng, 12)
    return body + str(mod10_3_1_check_digit(body))


def ups(rng: Random) -> str:
    """1Z + shipper account (6) + service (2) + package (7) + check digit."""
    body = rng.choice(("A8E4F3", "V2W497", "12R4X9")) + rng.choice(("12", "66", "68")) + _digits(rng, 7)
    return f"1Z{body}{ups_check_digit(body)}"


def dhl_express(rng: Random) -> str:
    """Ten digits: a nine-digit serial and its remainder modulo 7."""
    serial = rng.choice("123456789") + _digits(rng, 8)
    return f"{serial}{int(serial) % 7}"


def royal_mail(rng: Random) -> str:
    """Royal Mail tracked parcels carry UPU S10 numbers ending in GB."""
    serial = _digits(rng, 8)
    return f"R{rng.choice('NQ')}{serial}{s10_check_digit(serial)}GB"


GENERATORS = {
    "colissimo": colissimo,
    "chronopost": chronopost,
    "mondial_relay": mondial_relay,
    "dpd": dpd,
    "ups": ups,
    "dhl": dhl_express,
    "royal_mail": royal_mail,
}
