import json

from django import forms
from django.utils.translation import gettext_lazy as _

from merchants.models import LANGUAGE_CHOICES

from .models import Anchor, WindowTimeZone
from .rules import stop_rules


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class FlowForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    active = forms.BooleanField(label=_("Active"), required=False)
    anchor = forms.ChoiceField(label=_("Counts from"), choices=Anchor.choices)


class StepForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    delay_days = forms.IntegerField(label=_("Days after (J+N)"), min_value=0, max_value=365, initial=0)
    delay_hours = forms.IntegerField(label=_("Hours after"), min_value=0, max_value=23, initial=0)
    window_start = forms.TimeField(label=_("Send from"), required=False, help_text=_("e.g. 10:00"))
    window_end = forms.TimeField(label=_("Send until"), required=False, help_text=_("e.g. 18:00"))
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
            "name": step.name,
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

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    preheader = forms.CharField(label=_("Preheader (preview line)"), max_length=200, required=False)
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
    product_guides = forms.CharField(
        label=_("Product guides by product type (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_('{"candle": {"en": "Let it burn 2 hours the first time.", "fr": "…", "url": "https://…"}}'),
    )

    def clean_allowed_link_domains(self):
        domains = [d.lower() for d in _split(self.cleaned_data["allowed_link_domains"])]
        bad = [d for d in domains if "/" in d or ":" in d or "." not in d]
        if bad:
            raise forms.ValidationError(
                _("Give bare domain names such as shop.example.com: %(bad)s") % {"bad": ", ".join(bad)}
            )
        return domains

    def clean_product_guides(self):
        raw = self.cleaned_data["product_guides"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(error)s") % {"error": exc}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Use an object keyed by product type."))
        return value


class SendTestForm(forms.Form):
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES)
