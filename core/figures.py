"""How every reported figure is rounded (docs/kpis.md): ratios with 4 decimals, money with its currency's
decimals, both half up; a ratio with nothing to divide by is None, never a division by zero."""

from decimal import ROUND_HALF_UP, Decimal

from .money import minor_unit

RATIO = Decimal("0.0001")


def ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)


def money(amount, currency: str) -> Decimal:
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)
