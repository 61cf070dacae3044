"""The reasons a customer may give for returning an item, and what each one asks of them."""

from dataclasses import dataclass

from .models import Reason


@dataclass(frozen=True)
class ReturnReasonChoice:
    code: str  # what the API, events and exports carry
    label: str  # read in the language active when it is shown (a lazy translation)
    photo_required: bool = False
    comment_required: bool = False


def reasons_for(merchant) -> list[ReturnReasonChoice]:
    """The reasons the merchant's customers choose from, in the order they are shown."""
    return [ReturnReasonChoice(code, label, comment_required=code == Reason.OTHER) for code, label in Reason.choices]
