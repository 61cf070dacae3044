"""The weekly digest's pages: the person's own setting, and the email's unsubscribe link."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from merchants.access import staff_view

from .digest import DIGEST_HOUR, digest_opt_in_set, digest_opted_in, unsubscribe_user


class DigestForm(forms.Form):
    weekly_digest = forms.BooleanField(
        label=gettext_lazy("Send me the weekly email digest"),
        required=False,
        help_text=gettext_lazy(
            "Every Monday morning: each of your shops' orders, revenue, repeat rate, delivery questions and "
            "satisfaction of the last 7 days against the 7 before, and what needs attention."
        ),
    )


@require_http_methods(["GET", "POST"])
@staff_view()
def digest_settings(request):
    # An unticked box posts nothing: a POST is bound even when empty.
    data = request.POST if request.method == "POST" else None
    form = DigestForm(data, initial={"weekly_digest": digest_opted_in(request.user)})
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["weekly_digest"]
        digest_opt_in_set(user=request.user, wanted=wanted)
        messages.success(request, _("You will get the weekly digest.") if wanted else _("No more weekly digest."))
        return redirect("analytics:digest_settings")
    return render(request, "analytics/digest_settings.html", {"form": form, "hour": DIGEST_HOUR})


@never_cache
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token):
    """GET asks, POST stops: mail scanners open every link, and must not unsubscribe anyone."""
    user = unsubscribe_user(token)
    if user is None:
        return render(request, "analytics/digest_unsubscribe.html", {"invalid": True}, status=400)
    # In the reader's language (the page's language switcher), like the other signed-out pages.
    if request.method == "POST":
        digest_opt_in_set(user=user, wanted=False)
        return render(request, "analytics/digest_unsubscribe.html", {"done": True, "email": user.email})
    return render(request, "analytics/digest_unsubscribe.html", {"email": user.email})
