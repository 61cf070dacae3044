"""What every label provider adapter offers (EasyPost now; Sendcloud or Shippo would fit the same shape).

An adapter turns a `LabelRequest` into a `Label` and raises `LabelError` with a message staff can act
on. It never touches the database: the service hands it a `remember` callback that stores the
provider's shipment id before anything is bought.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Address:
    name: str
    street1: str
    city: str
    zip: str
    country: str
    street2: str = ""
    state: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Parcel:
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_g: int


@dataclass(frozen=True)
class LabelRequest:
    reference: str  # the RMA, printed on the label where the carrier allows it
    customer: Address  # where the items were delivered: the parcel leaves from there
    shop: Address  # the shop's address as on its outbound parcels: the parcel goes there
    parcel: Parcel
    carriers: tuple[str, ...]  # buy only from these (names as the provider spells them); empty = any
    qr_code: bool  # the customer drops the parcel off with a QR code instead of printing a label


@dataclass(frozen=True)
class Label:
    shipment_id: str
    label_url: str
    tracking_number: str
    qr_code_url: str = ""
    carrier: str = ""
    service: str = ""
    warning: str = ""  # bought, but not all of it (no QR code): said to staff like a refusal


class LabelError(Exception):
    """The provider did not give a label. `message` is for staff; `transient` errors are worth retrying."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.message = message
        self.transient = transient


class LabelProvider(ABC):
    name: str

    @abstractmethod
    def label_obtain(self, request: LabelRequest, *, shipment_id: str, remember: Callable[[str], None]) -> Label:
        """The label for `request`, bought at most once.

        `shipment_id` is the provider's shipment from an earlier attempt ("" the first time): the
        adapter looks it up and reuses its label if it was already bought. A new shipment's id is
        passed to `remember` before it is bought.
        """
