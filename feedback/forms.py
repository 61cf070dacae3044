"""Forms of the Feedback pages: the period and answer filters, and the survey settings."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Kind, SurveySettings
from .selectors import AnswerFilters

MAX_PERIOD_DAYS = 366
DATE_ERRORS = {"invalid": _("Write dates as YYYY-MM-DD.")}


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class PeriodForm(forms.Form):
    """?from=…&to=… (days, in the shop's time zone); the last 30 days when not given."""

    start = _date_field(pgettext_lazy("date range", "From"))
    end = _date_field(pgettext_lazy("date range", "To"))

    def __init__(self, data=None, **kwargs):
        if data is not None:  # "from" cannot be a Python field name
            data = {"start": data.get("from", ""), "end": data.get("to", "")}
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The first day comes after the last one."))
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)s days.") % {"days": MAX_PERIOD_DAYS})
        data["start"], data["end"] = start, end
        return data


class AnswerFilterForm(PeriodForm):
    kind = forms.ChoiceField(label=_("Survey"), required=False, choices=[("", _("All"))] + list(Kind.choices))
    band = forms.ChoiceField(
        label=_("Score"),
        required=False,
        choices=[
            ("", _("All")),
            ("low", _("Low (CSAT 1–2, NPS 0–6)")),
            ("middle", _("Middle (CSAT 3, NPS 7–8)")),
            ("high", _("High (CSAT 4–5, NPS 9–10)")),
        ],
    )
    has_comment = forms.BooleanField(label=_("With a comment"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {
                "start": data.get("from", ""),
                "end": data.get("to", ""),
                **{key: data.get(key, "") for key in ("kind", "band", "has_comment", "q")},
            }
        forms.Form.__init__(self, data, **kwargs)

    def filters(self) -> AnswerFilters:
        data = self.cleaned_data
        return AnswerFilters(
            kind=data.get("kind", ""),
            band=data.get("band", ""),
            start=data.get("start"),
            end=data.get("end"),
            has_comment=bool(data.get("has_comment")),
            search=data.get("q", ""),
        )


class SurveySettingsForm(forms.ModelForm):
    class Meta:
        model = SurveySettings
        fields = [
            "csat_enabled",
            "nps_enabled",
            "nps_throttle_days",
            "follow_up_en",
            "follow_up_fr",
            "second_question_en",
            "second_question_fr",
            "alert_email",
            "pause_during_return",
            "quiet_days_after_low_score",
        ]

    def clean_nps_throttle_days(self):
        days = self.cleaned_data["nps_throttle_days"]
        if days < 30:
            raise forms.ValidationError(_("Ask at most once every 30 days or more: people tire of surveys."))
        return days

    def clean(self):
        data = super().clean()
        if bool(data.get("second_question_en")) != bool(data.get("second_question_fr")):
            raise forms.ValidationError(_("Write the second question in both English and French, or in neither."))
        return data
