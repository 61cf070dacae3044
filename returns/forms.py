"""Dashboard forms of returns: the queue's filters, bulk approval, each move's input, the export's dates."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.ranges import MAX_YEARS, years_later

from .models import Inspection, Method, ReturnStatus
from .overview import Days
from .reasons import reasons_for
from .selectors import QueueFilters

AGES = (3, 7, 14, 30)
MAX_EXPORT_DAYS = 366


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    method = forms.ChoiceField(label=_("Method"), required=False)
    age = forms.TypedChoiceField(label=_("Age"), required=False, coerce=int, empty_value=None)
    needs_action = forms.BooleanField(label=_("Needs action"), required=False)

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *ReturnStatus.choices]
        self.fields["reason"].choices = [("", _("All reasons")), *((r.code, r.label) for r in reasons_for(merchant))]
        self.fields["method"].choices = [("", _("All methods")), *Method.choices]
        self.fields["age"].choices = [("", _("Any age"))] + [
            (str(days), _("Older than %(days)s days") % {"days": days}) for days in AGES
        ]

    def filters(self) -> QueueFilters:
        """What the queue shows; a value not understood filters nothing (the form says so)."""
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(data["status"], data["reason"], data["method"], data["age"], data["needs_action"])


def selected_ids(values: list[str]) -> list[int]:
    """The return ids ticked in the queue; anything else is dropped (it can only come from a forged form)."""
    return sorted({int(value) for value in values if value.isdigit() and len(value) < 12})


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (the customer reads this)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why: the customer reads this reason.")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("return note", "Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only your team sees notes."),
        error_messages={"required": _("Write the note first.")},
    )


class ReceiveForm(forms.Form):
    """What staff found in the parcel, one choice per item of the return."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[self.field_name(item)] = forms.ChoiceField(
                label=item.line_item.title,
                choices=Inspection.choices,
                initial=item.inspection or Inspection.AS_EXPECTED,
                widget=forms.RadioSelect,
                error_messages={"required": _("Record what you found for every item of the return.")},
            )

    @staticmethod
    def field_name(item) -> str:
        return f"inspection-{item.pk}"

    def rows(self):
        """(item, its bound field) pairs, for the template."""
        return [(item, self[self.field_name(item)]) for item in self.items]

    def inspections(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[self.field_name(item)] for item in self.items}


class DaysForm(forms.Form):
    """Some days of the shop's calendar, both included, read from ?from=YYYY-MM-DD&to=YYYY-MM-DD."""

    start = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": _("Give the first day (YYYY-MM-DD)."), "invalid": _("Write dates as YYYY-MM-DD.")},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        input_formats=["%Y-%m-%d"],
        error_messages={"required": _("Give the last day (YYYY-MM-DD)."), "invalid": _("Write dates as YYYY-MM-DD.")},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, data=None, **kwargs):
        # The URL says ?from=…&to=…; "from" cannot be a Python field name.
        if data is not None:
            data = {"start": data.get("from", ""), "end": data.get("to", "")}
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The first day comes after the last one."))
        return data


class ExportForm(DaysForm):
    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end - start).days >= MAX_EXPORT_DAYS:
            raise forms.ValidationError(_("Export at most %(days)s days at a time.") % {"days": MAX_EXPORT_DAYS})
        return data


class OverviewForm(DaysForm):
    """The days the Overview's figures cover: at most five years, as the API's periods."""

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end >= years_later(start, MAX_YEARS):
            raise forms.ValidationError(_("Show at most %(years)s years at a time.") % {"years": MAX_YEARS})
        return data

    def days(self) -> Days:
        return Days(self.cleaned_data["start"], self.cleaned_data["end"])
