from django import forms
from django.utils.translation import gettext_lazy as _

from .models_rewards import RewardKind
from .rewards import MAX_POINTS


class RewardForm(forms.Form):
    """A reward of the list; the service checks the value against the kind (rewards.reward_clean)."""

    kind = forms.ChoiceField(label=_("What the customer gets"), choices=RewardKind.choices)
    points = forms.IntegerField(label=_("Points it costs"), min_value=1, max_value=MAX_POINTS)
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "The amount off or credited in the shop's currency, or the percent off (10 for 10%); "
            "leave empty for free shipping."
        ),
    )
    name_en = forms.CharField(
        label=_("Name in English"), max_length=80, help_text=_("Shown to customers, e.g. €5 off.")
    )
    name_fr = forms.CharField(
        label=_("Name in French"), max_length=80, help_text=_("Shown to customers, e.g. 5 € de réduction.")
    )
    active = forms.BooleanField(label=_("Offered to customers"), required=False, initial=True)
