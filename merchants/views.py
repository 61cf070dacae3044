"""Staff accounts, the dashboard home and the error pages."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dashboard import home_blocks
from core.rate_limits import too_many_attempts_message, too_many_requests

from . import login_throttle, selectors, services
from .access import staff_view
from .forms import (
    EmailAuthenticationForm,
    InvitationSignupForm,
    LocalizedPasswordResetForm,
    ProfileForm,
    ThrottledPasswordChangeForm,
)
from .middleware import SESSION_KEY
from .models import LANGUAGE_CHOICES

# --- Error pages -----------------------------------------------------------------------


def _wants_json(request):
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return render(request, "403.html", status=403)


def server_error(request):
    """Rendered without context processors: whatever failed may be the database itself."""
    if _wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    body = loader.get_template("500.html").render({"LANGUAGE_CODE": translation.get_language()})
    return HttpResponse(body, status=500)


# --- Sign in and account -------------------------------------------------------------


class LockoutStatus:
    """A form locked by too many attempts answers 429 with Retry-After, not a plain 200."""

    def form_invalid(self, form):
        return lockout_status(super().form_invalid(form), form)


def lockout_status(response, form):
    locked = getattr(form, "locked_seconds", 0)
    return too_many_requests(response, locked) if locked else response


class LoginView(LockoutStatus, auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordChangeView(LockoutStatus, auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(LockoutStatus, auth_views.PasswordResetView):
    form_class = LocalizedPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        # Counted whether or not an account uses the address: the answer must not tell.
        form.locked_seconds = login_throttle.reset_request_wait(self.request)
        if form.locked_seconds:
            form.add_error(None, too_many_attempts_message(form.locked_seconds))
            return self.form_invalid(form)
        return super().form_valid(form)


def no_merchant(request):
    return render(request, "dashboard/no_merchant.html", status=403)


@require_POST
@login_required
def switch_merchant(request):
    """Work for another merchant this person belongs to; anything else is a 404."""
    membership = selectors.membership_of(user=request.user, merchant_id=request.POST.get("merchant"))
    if membership is None:
        raise Http404(_("You are not a member of this shop."))
    request.session[SESSION_KEY] = membership.merchant_id
    messages.success(request, _("You are now working on %(shop)s.") % {"shop": membership.merchant.name})
    return redirect("home")


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "language": user.language})
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(user=user, **form.cleaned_data)
        translation.activate(user.language)
        messages.success(request, _("Your profile has been saved."))
        return redirect("profile")
    status = 400 if form.errors else 200
    return render(request, "merchants/profile.html", {"form": form}, status=status)


# --- Invitations -------------------------------------------------------------------------


def invitation_accept(request, token):
    """Join a team from an emailed link: new people set a password, existing ones log in first."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(request, "merchants/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    context = {"invitation": invitation, "merchant": invitation.merchant}
    if user is not None:
        if user.email.lower() != invitation.email.lower():
            return render(request, "merchants/invitation_wrong_account.html", context, status=403)
        if request.method == "POST":
            return _accept_and_enter(request, invitation, user)
        return render(request, "merchants/invitation_accept.html", context)
    if selectors.user_exists(email=invitation.email):
        return render(request, "merchants/invitation_login_first.html", context)
    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user, _membership = services.invitation_accept_as_new_user(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=_request_language(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return _enter_merchant(request, invitation)
    status = 400 if form.errors else 200
    return render(request, "merchants/invitation_signup.html", {**context, "form": form}, status=status)


def _request_language():
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in dict(LANGUAGE_CHOICES) else settings.LANGUAGE_CODE


def _accept_and_enter(request, invitation, user):
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("home")
    return _enter_merchant(request, invitation)


def _enter_merchant(request, invitation):
    request.session[SESSION_KEY] = invitation.merchant_id
    messages.success(request, _("Welcome to the %(shop)s team.") % {"shop": invitation.merchant.name})
    return redirect("home")


# --- Dashboard -----------------------------------------------------------------------------

HOME_DAYS = 30


@staff_view()
def home(request):
    """Every app's figures and panels for the last HOME_DAYS days (core.dashboard registry)."""
    since = timezone.now() - timedelta(days=HOME_DAYS)
    blocks = home_blocks(merchant=request.merchant, since=since)
    return render(request, "dashboard/home.html", {"home": blocks, "days": HOME_DAYS})
