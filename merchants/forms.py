"""Forms for staff accounts and merchant settings. They validate; services write."""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import rate_limits
from core.money import CURRENCY_CODES

from . import login_throttle
from .models import LANGUAGE_CHOICES, ApiKey, IntegrationSecret, Merchant, Role, User

LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
SECRET_MIN_LENGTH = 8


class ThrottledPasswordCheck:
    """For forms that check a password: refused while the account or the client is locked, and every
    wrong password counts against both (login_throttle). `locked_seconds` tells the view to answer 429."""

    locked_seconds = 0

    def _checked(self, attempt: login_throttle.LoginAttempt, check):
        """`check()`'s result, unless locked; a ValidationError from it counts as a failure."""
        self.locked_seconds = attempt.seconds_locked()
        if self.locked_seconds:
            raise self._locked_error()
        try:
            result = check()
        except ValidationError:
            attempt.failed()
            self.locked_seconds = attempt.seconds_locked()
            if self.locked_seconds:
                raise self._locked_error() from None
            raise
        attempt.succeeded()
        return result

    def _locked_error(self):
        return ValidationError(rate_limits.too_many_attempts_message(self.locked_seconds), code="locked")


class ThrottledLogin(ThrottledPasswordCheck):
    """For AuthenticationForm subclasses. Any refusal counts, a right password for an account this door
    does not admit included: were it not counted, the lock would tell which password was right."""

    def clean(self):
        attempt = login_throttle.LoginAttempt.of(self.request, self.data.get("username", ""))
        return self._checked(attempt, super().clean)


class EmailAuthenticationForm(ThrottledLogin, AuthenticationForm):
    """Email and password, with failed attempts limited per email and per client address."""

    username = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("This email and password do not match an account. Check both and try again."),
    }

    def clean_username(self):
        # Addresses are stored in lower case; people type them any way.
        return self.cleaned_data["username"].strip().lower()


class AdminLoginForm(ThrottledLogin, AdminAuthenticationForm):
    """The operator admin's login, under the same limits as the staff login."""


class ThrottledPasswordChangeForm(ThrottledPasswordCheck, PasswordChangeForm):
    """The old password is a password guess like any other."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        attempt = login_throttle.LoginAttempt.of(self.request, self.user.email)
        return self._checked(attempt, super().clean_old_password)


def site_link_parts() -> dict:
    """The link parts Django's auth emails expect, taken from SITE_URL and never from a request."""
    scheme, _sep, rest = settings.SITE_URL.partition("://")
    return {"site_url": settings.SITE_URL, "protocol": scheme, "domain": rest}


class LocalizedPasswordResetForm(PasswordResetForm):
    """Sends each person the reset email in their own language, a few times per period at most.

    Over the limit nothing is sent and the page still says "check your email": it must not
    reveal whether an account exists.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        if not login_throttle.reset_email_allowed(email=user.email):
            return
        # Django builds the link from the request's Host header, which an attacker chooses:
        # a reset link must point at our own site whatever host the request named.
        context = {**context, **site_link_parts()}
        with translation.override(user.language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


class BrandingForm(forms.ModelForm):
    website_url = forms.URLField(label=_("Shop website"), required=False, assume_scheme="https")
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[(code, code) for code in sorted(CURRENCY_CODES)],
        help_text=_("The currency your prices and reports use."),
    )

    class Meta:
        model = Merchant
        fields = [
            "name",
            "logo",
            "primary_color",
            "support_email",
            "sender_name",
            "sender_email",
            "website_url",
            "time_zone",
            "default_language",
            "currency",
        ]
        widgets = {"primary_color": forms.TextInput(attrs={"type": "color"})}
        help_texts = {
            "logo": _("PNG, JPEG, GIF or WebP, at most 1 MB. Shown on customer pages and emails."),
            "primary_color": _("Buttons and accents on customer pages, as a hex colour such as #1f6feb."),
            "support_email": _("Where customers can write to you; shown on customer pages."),
            "sender_name": _("The name customer emails come from."),
            "sender_email": _("The address customer emails come from."),
            "time_zone": _("Used for send windows and daily figures."),
            "default_language": _("For customers whose language we do not know."),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        uploaded = logo and hasattr(logo, "content_type")  # a new upload, not the stored file
        if uploaded:
            if logo.size > LOGO_MAX_BYTES:
                raise ValidationError(_("The logo is larger than 1 MB. Export a smaller image and try again."))
            image_format = getattr(getattr(logo, "image", None), "format", None)
            if image_format not in LOGO_FORMATS:
                raise ValidationError(_("Upload the logo as a PNG, JPEG, GIF or WebP image."))
        return logo

    def changes(self) -> dict:
        """The fields the person actually changed, as the service expects them."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Where the key is used, for example “Shopify app” or “ERP sync”."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ApiKey._meta.get_field("role").choices,
        initial=Role.AGENT,
        help_text=_(
            "Viewer keys can only read; agent keys can also write orders and shipments; admin keys can do both and manage settings."
        ),
    )


class IntegrationSecretForm(forms.Form):
    provider = forms.ChoiceField(choices=IntegrationSecret.Provider.choices, widget=forms.HiddenInput)
    secret = forms.CharField(
        label=_("New secret"),
        min_length=SECRET_MIN_LENGTH,
        max_length=255,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if any(char.isspace() for char in secret):
            raise ValidationError(_("The secret contains spaces or line breaks. Paste it exactly as shown."))
        return secret


class InvitationSignupForm(forms.Form):
    """A new teammate sets up their account while accepting an invitation."""

    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are different."))
        elif password1:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
