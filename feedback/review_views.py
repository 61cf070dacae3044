"""Feedback → Reviews (staff) and `/r/<token>/`, the review links' redirect (customers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from merchants.access import staff_view
from merchants.models import Merchant, Role

from .models_reviews import ReviewSettings
from .review_forms import ReviewSettingsForm
from .review_links import BadReviewLink, destination_url, review_token_read, settings_of
from .review_services import review_click_record, review_settings_save


@staff_view(Role.VIEWER)
def review_settings_page(request):
    row = ReviewSettings.objects.filter(merchant=request.merchant).first()
    can_edit = request.membership.has_role(Role.ADMIN)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only admins change the review settings."))
        form = ReviewSettingsForm(request.POST)
        if form.is_valid():
            review_settings_save(merchant=request.merchant, values=form.values())
            messages.success(request, _("Review settings saved."))
            return redirect("feedback:reviews:settings")
    else:
        initial = {name: getattr(row, name) for name in ReviewSettingsForm.base_fields} if row else {}
        form = ReviewSettingsForm(initial=initial)
    context = {"form": form, "can_edit": can_edit}
    return render(request, "feedback/review_settings.html", context, status=400 if form.errors else 200)


@never_cache
@require_safe
def review_click(request, token):
    """Count the click (GET only) and send the customer to the shop's review page.

    HEAD gets the same answer and counts nothing: link checkers ask HEAD first. A GET by a mail
    scanner is counted like a person's: a click is an open of the link, never a review.
    """
    try:
        target = review_token_read(token)
    except BadReviewLink:
        return _unavailable(request, None)
    row = settings_of(target.merchant_id)
    url = destination_url(row, target.destination, target.order_id)
    if not url:
        return _unavailable(request, row)
    if request.method == "GET":
        review_click_record(merchant=row.merchant, target=target)
    return HttpResponseRedirect(url)


def _unavailable(request, row: ReviewSettings | None):
    merchant = Merchant.objects.filter(pk=row.merchant_id).first() if row else None
    return render(request, "feedback/review_unavailable.html", {"merchant": merchant}, status=404)
