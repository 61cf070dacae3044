"""The reasons a customer may give for returning an item, and what each one asks of them.

Each shop keeps its own list (`ReturnReason`), copied from the built-in `Reason`s the first time it
saves its policy: staff rename, reorder, deactivate them and add their own codes. A shop that has
never saved its policy reads the built-in list.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.functional import lazy

from core.scoping import merchant_scope

from .models import Reason, ReturnReason

# The built-in reasons that ask for something more than the reason itself.
BUILT_IN_COMMENT_REQUIRED = {Reason.OTHER}


@dataclass(frozen=True)
class ReturnReasonChoice:
    code: str  # what the API, events and exports carry
    label: str  # read in the language active when it is shown (a lazy translation)
    photo_required: bool = False
    comment_required: bool = False


def _label_in_active_language(label_en: str, label_fr: str) -> str:
    return label_fr if (translation.get_language() or "").startswith("fr") and label_fr else label_en


lazy_label = lazy(_label_in_active_language, str)


def built_in_reasons() -> list[ReturnReasonChoice]:
    return [
        ReturnReasonChoice(code, label, comment_required=code in BUILT_IN_COMMENT_REQUIRED)
        for code, label in Reason.choices
    ]


def reasons_for(merchant) -> list[ReturnReasonChoice]:
    """The reasons the merchant's customers choose from, in the order they are shown (one query)."""
    with merchant_scope(merchant):
        rows = list(ReturnReason.objects.filter(merchant=merchant))
    if not rows:
        return built_in_reasons()
    return [
        ReturnReasonChoice(row.code, lazy_label(row.label_en, row.label_fr), row.photo_required, row.comment_required)
        for row in rows
        if row.active
    ]


def return_reasons_seed(*, merchant) -> None:
    """Copy the built-in reasons into the shop's own list, once: a second call (or a racing one) adds nothing."""
    with merchant_scope(merchant), transaction.atomic():
        if ReturnReason.objects.filter(merchant=merchant).exists():
            return
        rows = []
        for position, (code, label) in enumerate(Reason.choices, start=1):
            with translation.override("en"):
                label_en = str(label)
            with translation.override("fr"):
                label_fr = str(label)
            rows.append(
                ReturnReason(
                    merchant=merchant,
                    code=code,
                    label_en=label_en,
                    label_fr=label_fr,
                    comment_required=code in BUILT_IN_COMMENT_REQUIRED,
                    position=position * 10,
                )
            )
        ReturnReason.objects.bulk_create(rows, ignore_conflicts=True)
