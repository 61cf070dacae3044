"""The customer's store-credit page in the portal (a "customer" section: /credit/<token>/)."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from core.locale import customer_time_zone
from core.scoping import merchant_scope
from portal.views import _customer_or_response, _customer_page_context, _render

from . import selectors
from .models import EntryKind, Source


def customer_label(entry) -> str:
    """What an entry is, in the customer's words (the language active when called)."""
    if entry.kind == EntryKind.ISSUED:
        by_source = {
            Source.RETURN: _("Credit for a return"),
            Source.EXCHANGE: _("Credit for an exchange"),
            Source.LOYALTY: _("Credit from your points"),
        }
        return by_source.get(entry.source, _("Credit from the shop"))
    words = {
        EntryKind.SPENT: _("Spent"),
        EntryKind.EXPIRED: _("Expired"),
        EntryKind.REVERSED: pgettext("store credit", "Cancelled"),
        EntryKind.ADJUSTED: _("Correction by the shop"),
    }
    return words.get(entry.kind, "")


@require_http_methods(["GET", "HEAD"])
def credit_page(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    context, language = _customer_page_context(request, token, merchant, customer, "credit")
    with merchant_scope(merchant):
        context["wallets"] = selectors.customer_wallets(merchant=merchant, customer=customer)
        entries = list(selectors.customer_entries(merchant=merchant, customer=customer)[: selectors.PORTAL_ENTRIES])
    with translation.override(language):
        for entry in entries:
            entry.label = customer_label(entry)
    context["entries"] = entries
    with timezone.override(customer_time_zone(merchant=merchant, customer=customer)):
        return _render(request, "store_credit/portal/index.html", context, language=language)
