"""When an exchange's new item ships, in the customer's words: the return's page and its emails say it."""

from django.utils.translation import gettext_lazy as _

from .models import ExchangeShips

SHIPS_WHEN = {
    ExchangeShips.RECEIVED: _("It ships once the shop has received your return."),
    ExchangeShips.FIRST_SCAN: _("It ships as soon as the carrier scans your parcel."),
    ExchangeShips.INSTANT: _("It ships once your return is approved, without waiting for your parcel."),
}
