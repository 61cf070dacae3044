"""ISO 4217 currency codes a shop can sell in.

Active codes (ISO 4217 list one, 2025) plus the ones withdrawn recently enough to appear
on orders still being imported (HRK, SLL, ZWL, CUC, ANG). Funds, precious metals and
testing codes (XAU, XDR, XTS, XXX, BOV, CHE, ...) are left out: no shop prices in them.
"""

from decimal import Decimal

CURRENCY_CODES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()
)


def is_currency_code(code: str) -> bool:
    return isinstance(code, str) and code.upper() in CURRENCY_CODES


# Digits of each currency's minor unit (ISO 4217 list one). Every code not named here has 2.
# The money columns hold 3 decimals: the most any code above needs.
MAX_MINOR_UNITS = 3
_ZERO_DECIMAL = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMAL = "BHD IQD JOD KWD LYD OMR TND"
MINOR_UNITS = (
    dict.fromkeys(CURRENCY_CODES, 2)
    | dict.fromkeys(_ZERO_DECIMAL.split(), 0)
    | dict.fromkeys(_THREE_DECIMAL.split(), 3)
)


def minor_units(code: str) -> int:
    """Decimals an amount in `code` may have: 2 for EUR, 3 for KWD, 0 for JPY.

    A code we do not know (refused wherever it is validated) gets what the columns hold.
    """
    return MINOR_UNITS.get((code or "").upper(), MAX_MINOR_UNITS)


def minor_unit(code: str) -> Decimal:
    """The smallest amount of `code`: Decimal("0.01") for EUR, Decimal("0.001") for KWD, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-minor_units(code))


def amount_places(amount: Decimal, currency: str) -> int:
    """Decimals to show `amount` with: the currency's, or more if the stored value has more.

    A JPY amount stored as 1000.50 before validation followed the currency is shown whole,
    never rounded to 1000 or 1001.
    """
    exponent = Decimal(amount).normalize().as_tuple().exponent
    return max(minor_units(currency), -exponent if isinstance(exponent, int) and exponent < 0 else 0)


def exact_amount(value, currency: str | None = None) -> Decimal:
    """An amount, or a sum of amounts, as an exact Decimal: with `currency`, written with its decimals.

    SQLite adds decimal columns as floats: a month of orders sums to 32145.0000000001 (a float,
    where PostgreSQL gives a Decimal). Amounts hold at most MAX_MINOR_UNITS decimals and so does
    any sum of them, so rounding there only removes the float's noise; then the currency's own
    decimals (more only if a stored amount has more, see amount_places).
    """
    amount = Decimal(str(value) if isinstance(value, float) else value).quantize(Decimal(1).scaleb(-MAX_MINOR_UNITS))
    if currency is None:
        return amount
    return amount.quantize(Decimal(1).scaleb(-amount_places(amount, currency)))


def amount_str(amount: Decimal, currency: str) -> str:
    """The amount as the API and outbound webhooks send it: "12.50" EUR, "12.345" KWD, "1000" JPY."""
    amount = Decimal(amount)
    return f"{amount:.{amount_places(amount, currency)}f}"
