"""The predicted CLV on the Analytics page, in plain words: the figure, its back-test, or why there is none."""

from datetime import timedelta
from decimal import Decimal

from babel.numbers import get_currency_name
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import format_datetime, format_day, format_money, format_number, format_share

from .clv import (
    BACKTEST_DAYS,
    MIN_CUSTOMERS,
    MIN_HISTORY_DAYS,
    NO_ACTUAL_REVENUE,
    NO_FIT,
    NOT_ENOUGH_CUSTOMERS,
)
from .models import PredictedClv


def predicted_clv_shown(stored: PredictedClv | None) -> dict:
    """{"status": sentence or "", "fitted": sentence or "", "currencies": [{"name", "value", "words"}]}."""
    if stored is None:
        return {"status": _("Not computed yet: the prediction is worked out once a day."), "currencies": []}
    fitted = _("Worked out on %(moment)s from the orders placed until then.") % {
        "moment": format_datetime(stored.fitted_at)
    }
    if not stored.figures:
        return {"status": _("Not enough history yet: no order so far."), "fitted": fitted, "currencies": []}
    cutoff = format_day(stored.as_of - timedelta(days=BACKTEST_DAYS))
    rows = [_currency_row(currency, figure, cutoff) for currency, figure in stored.figures.items()]
    return {"status": "", "fitted": fitted, "currencies": rows}


def _currency_row(currency: str, figure: dict, cutoff: str) -> dict:
    language = (translation.get_language() or "en").replace("-", "_")
    name = get_currency_name(currency, locale=language)
    row = {"name": name[:1].upper() + name[1:], "value": "", "words": ""}
    if figure["value"] is None:
        return row | {"words": _missing_words(figure)}
    return row | {"value": format_money(figure["value"], currency), "words": _backtest_words(figure, currency, cutoff)}


def _missing_words(figure: dict) -> str:
    if figure["reason"] == NOT_ENOUGH_CUSTOMERS:
        customers = figure["customers"]
        return ngettext(
            "Not enough history yet: %(customers)s customer so far; the prediction needs %(needed)s.",
            "Not enough history yet: %(customers)s customers so far; the prediction needs %(needed)s.",
            customers,
        ) % {
            "customers": format_number(customers),
            "needed": format_number(MIN_CUSTOMERS),
        }
    if figure["reason"] == NO_FIT:
        return _("The model found no steady pattern in these orders yet; it tries again every day.")
    days = figure["history_days"]
    return ngettext(
        "Not enough history yet: the first order is %(days)s day old; the prediction needs %(needed)s.",
        "Not enough history yet: the first order is %(days)s days old; the prediction needs %(needed)s.",
        days,
    ) % {
        "days": format_number(days),
        "needed": format_number(MIN_HISTORY_DAYS),
    }


def _backtest_words(figure: dict, currency: str, cutoff: str) -> str:
    test = figure["backtest"]
    if test["reason"] == NO_ACTUAL_REVENUE:
        return _("No check yet: customers spent nothing in the %(days)s days before.") % {"days": BACKTEST_DAYS}
    if test["reason"]:
        return _("No check yet: checking needs %(customers)s customers and %(days)s days of orders by %(cutoff)s.") % {
            "customers": format_number(MIN_CUSTOMERS),
            "days": MIN_HISTORY_DAYS,
            "cutoff": cutoff,
        }
    error = Decimal(test["error"])
    values = {
        "cutoff": cutoff,
        "days": BACKTEST_DAYS,
        "predicted": format_money(test["predicted"], currency),
        "actual": format_money(test["actual"], currency),
        "error": format_share(abs(error).quantize(Decimal("0.001"))),
        "mae": format_money(test["mae"], currency),
    }
    if error >= 0:
        words = _(
            "Checked on your own orders: fitted on those placed until %(cutoff)s, the model expected %(predicted)s over "
            "the %(days)s days after; customers spent %(actual)s, so it was %(error)s too high "
            "(%(mae)s per customer off on average)."
        )
    else:
        words = _(
            "Checked on your own orders: fitted on those placed until %(cutoff)s, the model expected %(predicted)s over "
            "the %(days)s days after; customers spent %(actual)s, so it was %(error)s too low "
            "(%(mae)s per customer off on average)."
        )
    return words % values
