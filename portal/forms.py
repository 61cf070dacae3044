from django import forms
from django.utils.translation import gettext_lazy as _


class FreshLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={"required": _("Enter the email address you ordered with.")},
    )
