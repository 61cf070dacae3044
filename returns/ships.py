"""When an exchange's new item ships, in the customer's words: the return's page and its emails say it."""

from django.utils.translation import gettext_lazy as _

from .exchanges import exchange_moment
from .models import ExchangeShips, ExchangeStatus, Method

SHIPS_WHEN = {
    ExchangeShips.RECEIVED: _("It ships once the shop has received your return."),
    ExchangeShips.FIRST_SCAN: _("It ships as soon as the carrier scans your parcel."),
    ExchangeShips.INSTANT: _("It ships once your return is approved, without waiting for your parcel."),
}
SHIPS_KEPT = _("It ships once your return is approved: you keep your item, nothing goes back.")
SHIPS_BEING_MADE = _("The shop is preparing it: it ships as soon as it is ready.")
SHIPS_ONCE_PAID = _("It ships once you have paid the difference.")


def ships_when(request) -> str:
    """What is true for this return: its order is being made (or waits for the difference), it is a kept
    item's, or the policy's moment for this customer (an instant exchange only below its number of returns)."""
    if request.exchange_status in (ExchangeStatus.REQUESTED, ExchangeStatus.CREATED, ExchangeStatus.SHIPPED):
        return str(SHIPS_BEING_MADE)
    if request.exchange_status == ExchangeStatus.AWAITING_PAYMENT:
        return str(SHIPS_ONCE_PAID)
    if request.method == Method.KEEP_IT:
        return str(SHIPS_KEPT)
    return str(SHIPS_WHEN[exchange_moment(request)])
