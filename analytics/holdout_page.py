"""The Analytics page's holdout section: each flow's results in sentences, with the WISMO comparison of the
notification flows (analytics.wismo_holdouts) in plain words, FR/EN."""

from django.utils.translation import gettext as _

from core.l10n import format_number, format_share
from flows.holdout_words import holdout_sentences

from .wismo_holdouts import MIN_CONTACTS, MIN_GROUP


def _not_enough(result: dict) -> str:
    return _(
        "“Where is my order?” contacts within %(days)s days: not enough data yet. Each group needs %(min)s orders "
        "whose %(days)s days have passed, and both together %(contacts)s contacts (now %(exposed)s orders whose "
        "customers got the emails, %(held_out)s held out, %(count)s contacts)."
    ) % {
        "days": result["days"],
        "min": MIN_GROUP,
        "contacts": MIN_CONTACTS,
        "exposed": format_number(result["exposed"]["orders"]),
        "held_out": format_number(result["held_out"]["orders"]),
        "count": format_number(result["exposed"]["contacts"] + result["held_out"]["contacts"]),
    }


def wismo_sentence(result: dict, flow_name: str) -> str:
    """ "Orders whose customers got the … emails had 13.33 fewer contacts per 100 orders (… 95 % interval …)"."""
    if not result["enough_data"]:
        return _not_enough(result)
    interval = result["difference"]
    words = {
        "flow": flow_name,
        "days": result["days"],
        "amount": format_number(abs(interval["difference"])),
        "exposed": format_number(result["exposed"]["per_100_orders"]),
        "held_out": format_number(result["held_out"]["per_100_orders"]),
        "low": format_number(interval["low"]),
        "high": format_number(interval["high"]),
    }
    if interval["difference"] <= 0:
        text = _(
            "Orders whose customers got the “%(flow)s” emails had %(amount)s fewer “where is my order?” contacts "
            "per 100 orders within %(days)s days (%(exposed)s against %(held_out)s held out; 95 %% interval "
            "%(low)s to %(high)s)."
        )
    else:
        text = _(
            "Orders whose customers got the “%(flow)s” emails had %(amount)s more “where is my order?” contacts "
            "per 100 orders within %(days)s days (%(exposed)s against %(held_out)s held out; 95 %% interval "
            "%(low)s to %(high)s)."
        )
    text %= words
    if result["reduction"] is not None and result["reduction"] > 0:
        text += " " + _("That is %(share)s fewer contacts.") % {"share": format_share(result["reduction"])}
    if interval["low"] <= 0 <= interval["high"]:
        text += " " + _("The interval includes zero: no effect is proven yet.")
    return text


def holdout_blocks(results: list[dict]) -> list[dict]:
    """One block per flow: its name, then its sentences (sizes, reordering, revenue, then WISMO if any)."""
    blocks = []
    for result in results:
        flow = result["flow"]
        sentences = holdout_sentences(result, flow=flow)
        if result["wismo"] is not None:
            sentences.append(wismo_sentence(result["wismo"], flow.shown_name))
        blocks.append({"name": flow.shown_name, "sentences": sentences})
    return blocks
