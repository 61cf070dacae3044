"""The "manual" platform: a shop we cannot call (no API access given, or a platform we have no adapter for).

The action waits for staff: its message says what to do in the shop's back office, and staff
confirm it on the action's page with the shop's reference (services.shop_action_confirm).
"""

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from core.l10n import format_day, format_percent_number, format_stored_money

from .adapters import MANUAL, NeedsStaffError, ShopAdapter
from .models import ShopActionKind, ShopActionStatus


class ManualAdapter(ShopAdapter):
    platform = MANUAL  # staff read it as adapters.PLATFORM_NAMES has it: "By hand, in the shop"

    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        # Written in the merchant's language: it is stored and shown to their staff later.
        with translation.override(merchant.default_language):
            raise NeedsStaffError(self.instructions(action_kind, payload))

    def instructions(self, action_kind: str, payload: dict) -> str:
        if action_kind == ShopActionKind.REFUND:
            return _(
                "Refund %(amount)s on order %(order)s in your shop's back office (%(reason)s), "
                "then confirm here with the refund's number in the shop."
            ) % {
                "amount": format_stored_money(payload.get("amount", "?"), payload.get("currency", "")),
                "order": payload.get("order_number") or payload.get("order_external_id", "?"),
                "reason": payload.get("reason", ""),
            }
        if action_kind == ShopActionKind.DISCOUNT_CODE:
            return self.discount_instructions(payload)
        return _("Do this in your shop's back office, then confirm here with the shop's reference.")

    def discount_instructions(self, payload: dict) -> str:
        value_type, value = payload.get("value_type"), payload.get("value", "?")
        if value_type == "percentage":
            what = _("%(percent)s off the order") % {"percent": format_percent_number(value) or value}
        elif value_type == "free_shipping":
            what = _("free shipping")
        else:
            what = _("%(amount)s off the order") % {"amount": format_stored_money(value, payload.get("currency", ""))}
        day = _day(payload.get("ends_at"))
        until = _("valid until %(day)s") % {"day": day} if day else _("with no end date")
        return _(
            "Create the discount code %(code)s in your shop's back office: %(what)s, usable once, only by "
            "%(email)s, %(until)s. Then confirm here with the discount's number in the shop."
        ) % {"code": payload.get("code", "?"), "what": what, "email": payload.get("email") or "?", "until": until}


def staff_message(action) -> str:
    """What staff read on an action: a manual action's instructions in the reader's language, rebuilt
    from its request (the stored copy is in the shop's language), else the adapter's error in the reader's
    language when it was marked for translation (ShopAction.error_text), else as stored."""
    if action.platform == MANUAL and action.status == ShopActionStatus.WAITING_FOR_STAFF:
        return ManualAdapter().instructions(action.kind, action.payload)
    return action.error_text()


def _day(ends_at) -> str:
    """The code's last day as people write it: the day part of the ISO moment the shop was sent."""
    text = str(ends_at or "")[:10]
    try:
        return format_day(date.fromisoformat(text))
    except ValueError:
        return text
