from django import forms
from django.utils.translation import gettext_lazy as _

from merchants.models import LANGUAGE_CHOICES

from .models import MAX_HOLDOUT_PERCENT, Anchor, WindowTimeZone
from .rules import stop_rules


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# The browser's time picker, which reads and writes hours and minutes ("10:00", not "10:00:00").
TIME_INPUT = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


class FlowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    active = forms.BooleanField(label=_("Active"), required=False)
    anchor = forms.ChoiceField(label=_("Counts from"), choices=Anchor.choices)
    holdout_percent = forms.IntegerField(
        label=_("Holdout percentage"), min_value=0, max_value=MAX_HOLDOUT_PERCENT, required=False
    )  # left empty: kept as it is


class StepForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    delay_days = forms.IntegerField(label=_("Days after (J+N)"), min_value=0, max_value=365, initial=0)
    delay_hours = forms.IntegerField(label=_("Hours after"), min_value=0, max_value=23, initial=0)
    window_start = forms.TimeField(label=_("Send from"), required=False, widget=TIME_INPUT)
    window_end = forms.TimeField(label=_("Send until"), required=False, widget=TIME_INPUT)
    window_time_zone = forms.ChoiceField(label=_("In the time zone of"), choices=WindowTimeZone.choices)
    customer = forms.ChoiceField(
        label=_("Customer"),
        required=False,
        choices=[("", _("Everyone")), ("first", _("First order only")), ("repeat", _("Repeat customers only"))],
    )
    product_types = forms.CharField(label=_("Product types (comma separated)"), required=False)
    tags = forms.CharField(label=_("Product tags (comma separated)"), required=False)
    # Three decimals: as many as an order total can have (KWD, TND...).
    total_min = forms.DecimalField(label=_("Order total at least"), required=False, min_value=0, decimal_places=3)
    total_max = forms.DecimalField(label=_("Order total at most"), required=False, min_value=0, decimal_places=3)
    languages = forms.MultipleChoiceField(
        label=_("Customer language"), required=False, choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    countries = forms.CharField(label=_("Shipping countries (ISO codes, comma separated)"), required=False)
    stop_rules = forms.MultipleChoiceField(
        label=_("Do not send when"), required=False, widget=forms.CheckboxSelectMultiple
    )
    plain_text_only = forms.BooleanField(label=_("Plain text only (reads like a personal email)"), required=False)
    from_name = forms.CharField(label=_("Sender name"), max_length=120, required=False)
    reply_to = forms.EmailField(label=_("Reply-to address"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stop_rules"].choices = [(rule.key, rule.label) for rule in stop_rules()]

    def clean_countries(self):
        codes = [c.upper() for c in _split(self.cleaned_data["countries"])]
        bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
        if bad:
            raise forms.ValidationError(
                _("Use two-letter country codes such as FR, BE: %(bad)s") % {"bad": ", ".join(bad)}
            )
        return codes

    def conditions(self) -> dict:
        data = self.cleaned_data
        conditions = {
            "customer": data["customer"],
            "product_types": _split(data["product_types"]),
            "tags": _split(data["tags"]),
            "total_min": str(data["total_min"]) if data["total_min"] is not None else "",
            "total_max": str(data["total_max"]) if data["total_max"] is not None else "",
            "languages": data["languages"],
            "countries": data["countries"],
        }
        return {k: v for k, v in conditions.items() if v}

    @staticmethod
    def initial_for(step) -> dict:
        conditions = step.conditions or {}
        return {
            "name": step.shown_name,  # a default name in the reader's language, as the page heads it
            "active": step.active,
            "delay_days": step.delay_days,
            "delay_hours": step.delay_hours,
            "window_start": step.window_start,
            "window_end": step.window_end,
            "window_time_zone": step.window_time_zone,
            "customer": conditions.get("customer", ""),
            "product_types": ", ".join(conditions.get("product_types", [])),
            "tags": ", ".join(conditions.get("tags", [])),
            "total_min": conditions.get("total_min") or None,
            "total_max": conditions.get("total_max") or None,
            "languages": conditions.get("languages", []),
            "countries": ", ".join(conditions.get("countries", [])),
            "stop_rules": step.stop_rules,
            "plain_text_only": step.plain_text_only,
            "from_name": step.from_name,
            "reply_to": step.reply_to,
        }


class TemplateForm(forms.Form):
    """One language of a step. Leave the subject empty to drop the language."""

    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    preheader = forms.CharField(label=_("Preheader (preview line)"), max_length=300, required=False)
    html_body = forms.CharField(label=_("HTML body"), required=False, widget=forms.Textarea(attrs={"rows": 14}))
    text_body = forms.CharField(
        label=_("Text body (empty: made from the HTML)"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class FlowSettingsForm(forms.Form):
    require_marketing_consent = forms.BooleanField(
        label=_("Send marketing emails only to customers who opted in"), required=False
    )
    marketing_daily_cap = forms.IntegerField(
        label=_("Marketing emails per customer per day"), min_value=1, max_value=10
    )
    late_tolerance_hours = forms.IntegerField(
        label=_("Skip a step that is overdue by more than (hours) when scheduled"), min_value=1, max_value=24 * 14
    )
    signature_name = forms.CharField(label=_("Person who signs the personal check-in"), max_length=120, required=False)
    allowed_link_domains = forms.CharField(
        label=_("Other domains links may lead to (comma separated; your shop's website is always allowed)"),
        required=False,
    )

    def clean_allowed_link_domains(self):
        domains = [d.lower() for d in _split(self.cleaned_data["allowed_link_domains"])]
        bad = [d for d in domains if "/" in d or ":" in d or "." not in d]
        if bad:
            raise forms.ValidationError(
                _("Give bare domain names such as shop.example.com: %(bad)s") % {"bad": ", ".join(bad)}
            )
        return domains


GUIDE_LANGUAGES = [code for code, _name in LANGUAGE_CHOICES]


class GuideForm(forms.Form):
    """One product guide: what customers who bought this type of product read in the "how to use it" email."""

    product_type = forms.CharField(
        label=_("Product type"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"list": "product-types"}),  # the shop's own types (flows/settings.html)
    )
    en = forms.CharField(label=_("Guide in English"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    fr = forms.CharField(label=_("Guide in French"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    url = forms.URLField(label=_("Link to read more (optional)"), required=False, assume_scheme="https")

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Give a web address starting with https://."))
        return url

    def clean(self):
        data = super().clean()
        kind = (data.get("product_type") or "").strip()
        texts = [(data.get(code) or "").strip() for code in GUIDE_LANGUAGES]
        if kind and not any(texts):
            raise forms.ValidationError(_("Write the guide in at least one language."))
        if not kind and (any(texts) or data.get("url")):
            raise forms.ValidationError(_("Name the product type this guide is for."))
        return data


class BaseGuideFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            kind = (form.cleaned_data.get("product_type") or "").strip().lower()
            if kind in seen:
                raise forms.ValidationError(
                    _("Each product type has one guide: %(type)s appears twice.") % {"type": kind}
                )
            if kind:
                seen.add(kind)

    def guides(self) -> dict:
        """The guides as stored: {"candle": {"en": "…", "fr": "…", "url": "https://…"}}; empty rows dropped."""
        result = {}
        for form in self.forms:
            kind = (form.cleaned_data.get("product_type") or "").strip()
            if kind:
                fields = (*GUIDE_LANGUAGES, "url")
                result[kind] = {key: form.cleaned_data[key].strip() for key in fields if form.cleaned_data.get(key)}
        return result

    @staticmethod
    def initial_for(guides: dict) -> list[dict]:
        return [{"product_type": kind, **values} for kind, values in (guides or {}).items()]


# Two empty rows under the saved guides: room for new ones without JavaScript.
GuideFormSet = forms.formset_factory(
    GuideForm, formset=BaseGuideFormSet, extra=2, max_num=100, validate_max=True, absolute_max=100
)


class SendTestForm(forms.Form):
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES)
