"""The tiers editor and the perks' settings (dashboard → Loyalty → Tiers and perks)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models_tiers import TierBasis, TierPeriod

MAX_TIERS = 10
MAX_POINTS = 1_000_000


class MembershipSettingsForm(forms.Form):
    tier_basis = forms.ChoiceField(label=_("Tiers are reached on"), choices=TierBasis.choices)
    tier_period = forms.ChoiceField(
        label=_("Counted over"),
        choices=TierPeriod.choices,
        help_text=_(
            "A tier reached is kept until the end of the calendar year it was reached in, for 12 months, or "
            "for life, as the period says, even if the total falls in between."
        ),
    )
    bonus_order_number = forms.IntegerField(
        label=_("Bonus on order number"),
        min_value=0,
        max_value=1000,
        help_text=_("The customer's order that earns the bonus, e.g. 3 for their third order; 0 for no bonus."),
    )
    bonus_points = forms.IntegerField(label=_("Bonus points"), min_value=0, max_value=MAX_POINTS)
    birthday_points = forms.IntegerField(
        label=_("Birthday points"),
        min_value=0,
        max_value=MAX_POINTS,
        help_text=_("Given once a year on the birthday the customer gave on their loyalty page; 0 for none."),
    )
    members_only = forms.BooleanField(
        label=_("Members only after they open their loyalty page"),
        required=False,
        help_text=_(
            "When on, customers earn nothing until they have opened their loyalty page once (from any "
            "email's link); what they ordered before is not counted."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("bonus_order_number") and not data.get("bonus_points"):
            self.add_error("bonus_points", _("Give the bonus points, or set the order number to 0."))
        return data


class TierForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=60)
    name_fr = forms.CharField(label=_("Name in French"), max_length=60)
    threshold = forms.IntegerField(
        label=_("Threshold"),
        min_value=1,
        max_value=100_000_000,
        help_text=_("Points earned, or whole currency units spent, over the period."),
    )
    multiplier = forms.DecimalField(
        label=_("Points multiplier"),
        min_value=Decimal(1),
        max_value=Decimal(10),
        max_digits=4,
        decimal_places=2,
        required=False,  # 1 when left empty; no initial value, so an empty new row stays unchanged
        widget=forms.NumberInput(attrs={"placeholder": "1", "step": "0.01"}),
        help_text=_("Purchase points are multiplied by it: 1.25 gives 125 points instead of 100."),
    )
    entry_points = forms.IntegerField(
        label=_("Points on reaching it"),
        min_value=0,
        max_value=MAX_POINTS,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "0"}),
    )

    def clean_multiplier(self):
        value = self.cleaned_data.get("multiplier")
        return Decimal(1) if value is None else value

    def clean_entry_points(self):
        return self.cleaned_data.get("entry_points") or 0


class BaseTierFormSet(forms.BaseFormSet):
    """Tiers listed lowest first: each threshold above the one before, names unique in each language."""

    def clean(self):
        if any(self.errors):
            return
        previous = None
        names = {"name_en": set(), "name_fr": set()}
        for form in self.kept_forms():
            data = dict(form.cleaned_data)  # add_error takes the field out of cleaned_data
            if previous is not None and data["threshold"] <= previous:
                form.add_error("threshold", _("List the tiers lowest first: each threshold above the one before."))
            previous = data["threshold"]
            for field, seen in names.items():
                folded = data[field].strip().casefold()
                if folded in seen:
                    form.add_error(field, _("Another tier has this name."))
                seen.add(folded)
        if any(self.errors):
            raise forms.ValidationError(_("Correct the tiers marked below."))

    def kept_forms(self) -> list:
        """The filled rows not marked for removal, in the order shown."""
        return [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]

    def removed_ids(self) -> list[int]:
        return [form.cleaned_data["id"] for form in self.deleted_forms if form.cleaned_data.get("id")]


TierFormSet = forms.formset_factory(
    TierForm,
    formset=BaseTierFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_TIERS,
    validate_max=True,
    absolute_max=MAX_TIERS + 1,
)
