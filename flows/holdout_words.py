"""A flow's holdout results (flows.holdouts) in sentences a merchant reads in ten seconds, FR/EN."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.l10n import format_money

from .holdouts import MIN_GROUP


def _points(fraction: float) -> str:
    return number_format(round(abs(fraction) * 100, 1), 1, use_l10n=True)


def _signed_points(fraction: float) -> str:
    return number_format(round(fraction * 100, 1), 1, use_l10n=True)


def _repurchase_sentence(result: dict, flow_name: str) -> str:
    days = result["days"]
    if not result["enough_data"]:
        return _(
            "Reordering within %(days)s days: not enough data yet. Each group needs %(min)s customers whose "
            "%(days)s days have passed (now %(exposed)s who got the emails and %(held_out)s held out)."
        ) % {
            "days": days,
            "min": MIN_GROUP,
            "exposed": result["exposed"]["customers"],
            "held_out": result["held_out"]["customers"],
        }
    interval = result["difference"]
    words = {
        "flow": flow_name,
        "days": days,
        "points": _points(interval["difference"]),
        "low": _signed_points(interval["low"]),
        "high": _signed_points(interval["high"]),
    }
    if interval["difference"] >= 0:
        text = _(
            "Customers who got the “%(flow)s” emails reordered within %(days)s days %(points)s points more often "
            "(95 %% interval %(low)s to %(high)s)."
        )
    else:
        text = _(
            "Customers who got the “%(flow)s” emails reordered within %(days)s days %(points)s points less often "
            "(95 %% interval %(low)s to %(high)s)."
        )
    return text % words + _uncertain(interval)


def _uncertain(interval: dict) -> str:
    if interval["low"] <= 0 <= interval["high"]:
        return " " + _("The interval includes zero: no effect is proven yet.")
    return ""


def _revenue_sentence(result: dict) -> str:
    currency = result["currency"]
    if not result["enough_data"]:
        return _("Net revenue per customer over %(days)s days: not enough data yet.") % {"days": result["days"]}
    interval = result["difference"]
    words = {
        "days": result["days"],
        "amount": format_money(abs(interval["difference"]), currency),
        "low": format_money(interval["low"], currency),
        "high": format_money(interval["high"], currency),
    }
    if interval["difference"] >= 0:
        text = _(
            "Over %(days)s days, customers who got the emails brought %(amount)s more net revenue each "
            "(95 %% interval %(low)s to %(high)s)."
        )
    else:
        text = _(
            "Over %(days)s days, customers who got the emails brought %(amount)s less net revenue each "
            "(95 %% interval %(low)s to %(high)s)."
        )
    return text % words + _uncertain(interval)


def holdout_sentences(results: dict, *, flow) -> list[str]:
    """Group sizes, then repurchase at 30 and 90 days, then net revenue, one sentence each."""
    exposed, held_out = results["exposed_customers"], results["held_out_customers"]
    sizes = _("%(exposed)s; %(held_out)s (holdout: %(percent)s %% of customers).") % {
        "exposed": ngettext("%(count)s customer got the emails", "%(count)s customers got the emails", exposed)
        % {"count": exposed},
        "held_out": ngettext("%(count)s was held out", "%(count)s were held out", held_out) % {"count": held_out},
        "percent": results["holdout_percent"],
    }
    return [
        sizes,
        _repurchase_sentence(results["repurchase_30"], flow.shown_name),
        _repurchase_sentence(results["repurchase_90"], flow.shown_name),
        _revenue_sentence(results["revenue_90"]),
    ]
