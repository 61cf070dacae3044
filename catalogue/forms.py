"""The staff forms of the catalogue: the suggestion rule and a product's page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Product, RecommendationRule, Source
from .selectors import MAX_RECOMMENDATIONS


class RecommendationRuleForm(forms.Form):
    mode = forms.ChoiceField(label=_("Suggest"), choices=RecommendationRule.Mode.choices)
    picked = forms.ModelMultipleChoiceField(
        label=_("Picked products (up to 4)"), queryset=Product.objects.none(), required=False
    )

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["picked"].queryset = products

    def clean_picked(self):
        picked = self.cleaned_data["picked"]
        if len(picked) > MAX_RECOMMENDATIONS:
            raise forms.ValidationError(_("Pick at most four products."))
        return picked


class ProductUrlForm(forms.Form):
    url = forms.URLField(label=_("Product page"), max_length=500, required=False, assume_scheme="https")
    active = forms.BooleanField(label=_("May be suggested"), required=False)


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All sources")), *Source.choices]
        self.fields["q"].widget.attrs["placeholder"] = _("Title, product id or SKU")
