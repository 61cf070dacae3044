"""The forms of Settings → Returns: the policy, its product rules and the reasons customers choose from."""

import re
from decimal import Decimal

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from core.money import minor_units

from .models import BonusKind, ExchangeShips, Method, Reason, Resolution, ReturnRule, WindowStart

MAX_WINDOW_DAYS = 3650  # ten years: anything longer is a typing mistake
MAX_AMOUNT = Decimal("1000000")
MAX_COUNT = 1000
MAX_PERCENT_PLACES = 2
# One slot per resolution a shop may offer, read in this order: the portal lists them so.
RESOLUTION_SLOTS = [
    ("resolution_1", _("Offered first")),
    ("resolution_2", _("Offered second")),
    ("resolution_3", _("Offered third")),
    ("resolution_4", _("Offered fourth")),
]
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _lines(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n,;]+", text or "") if part.strip()]


class MoneyField(forms.DecimalField):
    """An amount in the shop's currency: never negative, never absurd, with no more decimals than the currency has."""

    def __init__(self, *, currency: str, **kwargs):
        self.currency = currency
        super().__init__(min_value=0, max_value=MAX_AMOUNT, required=False, **kwargs)
        self.widget.attrs.update(step=str(Decimal(1).scaleb(-minor_units(currency))), inputmode="decimal")

    def validate(self, value):
        super().validate(value)
        if value is not None and -value.as_tuple().exponent > minor_units(self.currency):
            raise ValidationError(
                _("Amounts in %(currency)s have at most %(places)s decimals."),
                params={"currency": self.currency, "places": minor_units(self.currency)},
            )


class PolicyForm(forms.Form):
    window_days = forms.IntegerField(label=_("Return window (days)"), min_value=1, max_value=MAX_WINDOW_DAYS)
    # Radio buttons: each choice is a sentence a phone-width select could not show whole.
    window_start = forms.ChoiceField(label=_("Counted from"), choices=WindowStart.choices, widget=forms.RadioSelect)
    excluded_discount_percent = forms.IntegerField(
        label=_("Items discounted by at least (%) are not returnable"), min_value=1, max_value=100, required=False
    )
    holiday_from = forms.DateField(label=_("Holiday orders placed from"), required=False, widget=DATE_INPUT)
    holiday_to = forms.DateField(label=_("Holiday orders placed until"), required=False, widget=DATE_INPUT)
    holiday_until = forms.DateField(label=_("Holiday orders returnable until"), required=False, widget=DATE_INPUT)
    countries = forms.CharField(
        label=_("Countries returns are accepted from"),
        required=False,
        help_text=_("Two-letter codes such as FR, BE, DE, separated by commas. Empty: from everywhere."),
    )
    return_address = forms.CharField(
        label=_("Return address"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    methods = forms.MultipleChoiceField(
        label=_("Return methods offered"), choices=Method.choices, widget=forms.CheckboxSelectMultiple
    )
    resolution_1 = forms.ChoiceField(label=_("Offered first"), required=False, choices=[])
    resolution_2 = forms.ChoiceField(label=_("Offered second"), required=False, choices=[])
    resolution_3 = forms.ChoiceField(label=_("Offered third"), required=False, choices=[])
    resolution_4 = forms.ChoiceField(label=_("Offered fourth"), required=False, choices=[])
    credit_bonus_kind = forms.ChoiceField(label=_("Store credit bonus"), choices=BonusKind.choices, required=False)
    credit_bonus = forms.DecimalField(
        label=_("Bonus"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        help_text=_("Added to store credit and shop now, e.g. 5 (an amount) or 10 (%). Empty or 0: no bonus."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    exchange_ships = forms.ChoiceField(
        label=_("An exchange's new item is ordered"), choices=ExchangeShips.choices, required=False
    )
    exchange_instant_max_returns = forms.IntegerField(
        label=_("Instant exchange only for customers with fewer returns in 12 months than"),
        min_value=1,
        max_value=MAX_COUNT,
        required=False,
        help_text=_("Empty: every customer. The others get theirs at the parcel's first carrier scan."),
    )
    exchange_dearer = forms.BooleanField(
        label=_("Offer dearer sizes or colours, the customer paying the difference in the shop"),
        required=False,
        help_text=_("The exchange order is made with the difference due; it ships once the customer has paid it."),
    )
    auto_approve = forms.BooleanField(label=_("Approve requests automatically"), required=False)
    auto_approve_max_returns = forms.IntegerField(
        label=_("Only for customers with fewer returns in 12 months than"),
        min_value=1,
        max_value=MAX_COUNT,
        required=False,
    )
    returns_per_year = forms.IntegerField(
        label=_("Returns allowed per customer per 12 months"), min_value=1, max_value=MAX_COUNT, required=False
    )
    blocked_emails = forms.CharField(
        label=_("Always reviewed by staff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address (jane@example.com) or domain (@example.com) per line: never approved automatically."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        # Money fields sit where they are read, next to what they limit.
        money = {
            "fee": MoneyField(currency=currency, label=_("Return shipping fee deducted from refunds")),
            "keep_it_below": MoneyField(currency=currency, label=_("Let customers keep items worth less than")),
            "auto_approve_below": MoneyField(currency=currency, label=_("Only for orders below")),
            "exchange_dearer_max": MoneyField(currency=currency, label=_("Largest difference a customer may pay")),
        }
        order = list(self.fields)
        order.insert(order.index("return_address"), "fee")
        order.insert(order.index("auto_approve"), "keep_it_below")
        order.insert(order.index("auto_approve_max_returns"), "auto_approve_below")
        order.insert(order.index("auto_approve"), "exchange_dearer_max")
        self.fields.update(money)
        self.order_fields(order)
        for name in money:
            self.fields[name].help_text = _("In %(currency)s. Empty: none.") % {"currency": currency}
        self.fields["fee"].help_text = _("In %(currency)s. Empty or 0: free returns. Store credit never pays it.") % {
            "currency": currency
        }
        self.fields["exchange_dearer_max"].help_text = _("In %(currency)s, for the whole return. Empty: no limit.") % {
            "currency": currency
        }
        none = [("", _("— not offered —"))]
        for index, (name, _label) in enumerate(RESOLUTION_SLOTS):
            self.fields[name].choices = (none if index else []) + list(Resolution.choices)

    def clean_countries(self) -> list[str]:
        codes = list(dict.fromkeys(code.upper() for code in _lines(self.cleaned_data["countries"])))
        unknown = [code for code in codes if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None]
        if unknown:
            raise ValidationError(
                _("Unknown country codes: %(codes)s. Use two-letter ISO codes such as FR, BE, DE."),
                params={"codes": ", ".join(unknown)},
            )
        return codes

    def clean_blocked_emails(self) -> list[str]:
        entries, wrong = [], []
        for entry in _lines(self.cleaned_data["blocked_emails"]):
            entry = entry.lower()
            address = f"someone{entry}" if entry.startswith("@") else entry
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(entry)
            else:
                entries.append(entry)
        if wrong:
            raise ValidationError(
                _("Not an email address or @domain: %(entries)s."), params={"entries": ", ".join(wrong)}
            )
        return list(dict.fromkeys(entries))

    def clean(self):
        data = super().clean()
        holiday = [data.get(name) for name in ("holiday_from", "holiday_to", "holiday_until")]
        if any(holiday) and not all(holiday):
            self.add_error(
                "holiday_from", _("Give all three holiday dates, or none: orders from, orders until, returns until.")
            )
        elif all(holiday):
            start, end, until = holiday
            if end < start:
                self.add_error("holiday_to", _("The last holiday order date is before the first."))
            elif until < end:
                self.add_error("holiday_until", _("Holiday orders must be returnable at least until the last one."))
        if data.get("exchange_dearer_max") is not None and not data.get("exchange_dearer"):
            self.add_error(
                "exchange_dearer_max", _("Offer dearer sizes or colours first, or leave the largest difference empty.")
            )
        if Method.KEEP_IT in data.get("methods", []) and data.get("keep_it_below") is None:
            self.add_error("keep_it_below", _("Say below which amount customers may keep an item."))
        self._clean_resolutions(data)
        self._clean_bonus(data)
        return data

    def _clean_resolutions(self, data) -> None:
        chosen = [data.get(name) for name, _label in RESOLUTION_SLOTS if data.get(name)]
        if len(set(chosen)) != len(chosen):
            self.add_error("resolution_2", _("Offer each resolution once: choose “not offered” for the others."))
        data["resolutions"] = list(dict.fromkeys(chosen)) or [Resolution.REFUND]

    def _clean_bonus(self, data) -> None:
        bonus = data.get("credit_bonus")
        if bonus is None or "credit_bonus" in self.errors:
            return
        if data.get("credit_bonus_kind") == BonusKind.PERCENT:
            if bonus > 100:
                self.add_error("credit_bonus", _("A percentage bonus is at most 100."))
            elif -bonus.as_tuple().exponent > MAX_PERCENT_PLACES:
                self.add_error("credit_bonus", _("A percentage has at most 2 decimals, e.g. 12.5."))
        elif -bonus.normalize().as_tuple().exponent > minor_units(self.currency):
            self.add_error(
                "credit_bonus",
                _("Amounts in %(currency)s have at most %(places)s decimals.")
                % {"currency": self.currency, "places": minor_units(self.currency)},
            )

    def policy_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["fee"] = data["fee"] or Decimal(0)
        data["credit_bonus"] = data["credit_bonus"] or Decimal(0)
        data["credit_bonus_kind"] = data["credit_bonus_kind"] or BonusKind.FLAT
        data["exchange_ships"] = data["exchange_ships"] or ExchangeShips.RECEIVED
        for name, _label in RESOLUTION_SLOTS:
            data.pop(name, None)
        return data


class RuleForm(forms.Form):
    match = forms.ChoiceField(label=_("Products with this"), choices=ReturnRule.Match.choices)
    value = forms.CharField(label=_("Value"), max_length=120)
    final_sale = forms.BooleanField(label=_("Final sale: not returnable"), required=False)
    window_days = forms.IntegerField(
        label=_("Return window (days)"), min_value=1, max_value=MAX_WINDOW_DAYS, required=False
    )

    def __init__(self, *args, existing: list[ReturnRule] = (), editing: ReturnRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.others = [rule for rule in existing if editing is None or rule.pk != editing.pk]

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if not value:
            raise ValidationError(_("Name the product type, tag or SKU."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("final_sale") and data.get("window_days") is None and "window_days" not in self.errors:
            self.add_error("window_days", _("Give another window, or mark the products as final sale."))
        if data.get("final_sale"):
            data["window_days"] = None
        match, value = data.get("match"), (data.get("value") or "").lower()
        if any(rule.match == match and rule.value.strip().lower() == value for rule in self.others):
            self.add_error("value", _("A rule for these products already exists: edit it instead."))
        return data


class ReasonRowForm(forms.Form):
    """One of the shop's reasons, as staff edit it in the list."""

    id = forms.IntegerField(widget=forms.HiddenInput)
    label_en = forms.CharField(label=_("Label in English"), max_length=80)
    label_fr = forms.CharField(label=_("Label in French"), max_length=80)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=10000)
    photo_required = forms.BooleanField(label=_("Photo required"), required=False)
    comment_required = forms.BooleanField(label=_("Comment required"), required=False)
    active = forms.BooleanField(label=_("Offered"), required=False)


class BaseReasonFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("active") for form in self.forms):
            raise ValidationError(_("Keep at least one reason offered: customers must choose one."))


ReasonFormSet = forms.formset_factory(ReasonRowForm, formset=BaseReasonFormSet, extra=0, max_num=200)


class ReasonAddForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and _, e.g. wrong_colour. The API and exports carry it."),
    )
    label_en = forms.CharField(label=_("Label in English"), max_length=80)
    label_fr = forms.CharField(label=_("Label in French"), max_length=80)
    photo_required = forms.BooleanField(label=_("Photo required"), required=False)
    comment_required = forms.BooleanField(label=_("Comment required"), required=False)

    def __init__(self, *args, taken_codes: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_codes = taken_codes

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not CODE_PATTERN.match(code):
            raise ValidationError(
                _("Use 2 to 40 lower-case letters, digits and _, starting with a letter, e.g. wrong_colour.")
            )
        if code in Reason.values:
            raise ValidationError(_("“%(code)s” is a built-in reason: rename that one instead."), params={"code": code})
        if code in self.taken_codes:
            raise ValidationError(_("The shop already has a reason “%(code)s”."), params={"code": code})
        return code
