"""The loyalty page's tier, progress and birthday parts (portal_views.points_page adds them)."""

from decimal import Decimal

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.l10n import format_day, format_money, format_number
from core.scoping import merchant_scope
from portal.views import _customer_or_response, _customer_page_context, _render

from . import perks, selectors
from .errors import LoyaltyValidationError
from .models import EntryKind, Source
from .models_tiers import Tier, TierBasis
from .tiers import tier_status


class BirthdayForm(forms.Form):
    birthday = forms.DateField(
        label=gettext_lazy("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "invalid": gettext_lazy("Give a date such as 1990-05-14."),
            "required": gettext_lazy("Give your date of birth."),
        },
    )


def progress_text(status, language: str, currency: str) -> str:
    """ "120 points to Gold", or the amount left in the shop's currency."""
    if status is None or status.next_tier is None:
        return ""
    name = status.next_tier.name(language)
    if status.basis == TierBasis.AMOUNT:
        return _("%(amount)s more to spend to reach %(tier)s") % {
            "amount": format_money(Decimal(status.remaining), currency, language),
            "tier": name,
        }
    return _("%(points)s points to %(tier)s") % {"points": format_number(status.remaining, language), "tier": name}


def portal_context(merchant, customer, language: str) -> dict:
    """What the loyalty page shows of tiers and the birthday; records the visit (members only)."""
    profile = perks.page_opened(merchant, customer)
    status = tier_status(merchant, customer)
    term = status.term if status else None
    with translation.override(language):
        progress = progress_text(status, language, merchant.currency)
    return {
        "tier_status": status,
        "tier_name": term.name(language) if term else "",
        "tier_ends_on": format_day(term.term_ends_on, language) if term and term.term_ends_on else "",
        "tier_progress": progress,
        "birthday_form": BirthdayForm(initial={"birthday": profile.birthday}),
        "birthday": profile.birthday,
    }


def customer_label(entry, language: str) -> str:
    """The history's words for tier rewards, bonuses and birthday points ("" for other entries)."""
    if entry.source == Source.TIER:
        return _("Reward for reaching %(tier)s") % {"tier": _tier_name(entry, language)}
    if entry.source == Source.BONUS and entry.kind == EntryKind.REVERSED:
        return _("Bonus for order %(number)s taken back") % {"number": entry.order_number}
    if entry.source == Source.BONUS:
        return _("Bonus for order %(number)s") % {"number": entry.note}
    if entry.source == Source.BIRTHDAY:
        return _("Happy birthday!")
    return ""


def _tier_name(entry, language: str) -> str:
    """The rewarded tier's name in the customer's language (its key names it: "tier:<id>:account:<id>");
    the English name kept in the note once the tier is removed."""
    tier_id = entry.key.split(":")[1]
    with merchant_scope(entry.merchant_id):
        tier = Tier.objects.filter(merchant_id=entry.merchant_id, pk=tier_id).first() if tier_id.isdigit() else None
    return tier.name(language) if tier else entry.note


@require_http_methods(["POST"])
def birthday_save(request, token):
    found, response = _customer_or_response(request, token)
    if response is not None:
        return response
    merchant, customer = found
    if not selectors.program_on(merchant):
        raise Http404("The shop has no loyalty program.")
    context, language = _customer_page_context(request, token, merchant, customer, "points")
    form = BirthdayForm(request.POST)
    if form.is_valid():
        try:
            with merchant_scope(merchant), translation.override(language):  # the refusal in the page's language
                perks.birthday_set(
                    merchant=merchant, customer=customer, birthday=form.cleaned_data["birthday"], language=language
                )
        except LoyaltyValidationError as refusal:
            form.add_error("birthday", refusal.errors["birthday"])
        else:
            page = reverse("portal-points:index", kwargs={"token": token})
            return redirect(f"{page}?lang={language}&birthday=saved#birthday")
    context["birthday_form"] = form
    return _render(request, "loyalty/portal/birthday.html", context, language=language, status=400)
