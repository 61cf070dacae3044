from django import forms
from django.utils.translation import gettext_lazy as _

from .baseline_csv import MAX_BYTES
from .classification import MAX_RULE_LENGTH, MAX_RULES


def _lines(text: str) -> list[str]:
    lines = list(dict.fromkeys(" ".join(line.split()) for line in text.splitlines() if line.strip()))
    if len(lines) > MAX_RULES:
        raise forms.ValidationError(_("At most %(count)s lines.") % {"count": MAX_RULES})
    too_long = [line for line in lines if len(line) > MAX_RULE_LENGTH]
    if too_long:
        raise forms.ValidationError(
            _("“%(line)s” is longer than %(limit)s characters.") % {"line": too_long[0][:40], "limit": MAX_RULE_LENGTH}
        )
    return lines


class WismoRulesForm(forms.Form):
    tags = forms.CharField(
        label=_("Helpdesk tags that mean “where is my order?”"),
        help_text=_("One tag per line, as your helpdesk writes it."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    keywords = forms.CharField(
        label=_("Words and phrases in the subject or first message"),
        help_text=_("One per line, in any language; case and accents do not matter."),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
    )

    def clean_tags(self):
        return _lines(self.cleaned_data["tags"])

    def clean_keywords(self):
        return _lines(self.cleaned_data["keywords"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("tags") and not cleaned.get("keywords"):
            raise forms.ValidationError(_("Give at least one tag or one phrase: otherwise no ticket would ever count."))
        return cleaned


class BaselineUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("First line: week,wismo_tickets,orders_shipped; then one line per week, e.g. 2026-02-02,41,1180."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s kB.") % {"size": MAX_BYTES // 1000})
        return upload
