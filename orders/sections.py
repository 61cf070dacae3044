"""What other apps add to an order: rows loaded with it, a field of its API JSON, a part of its staff page.

Orders knows nothing of shipments or emails; tracking adds the shipments and flows the messages
in their AppConfig.ready(), and an app built later adds its own the same way without editing
orders:

    order_section_register(OrderSection(
        name="shipments",
        prefetch=lambda merchant: Prefetch("shipments", queryset=Shipment.objects.filter(merchant=merchant)),
        field=lambda: ShipmentSerializer(many=True, read_only=True),
    ))

A section may give only some of the three: returns add a part to the staff page (`template`,
rendered with `order` and `request` in its context) and nothing to lists or the API.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch
from rest_framework.fields import Field

from merchants.models import Merchant


@dataclass(frozen=True)
class OrderSection:
    name: str  # the key in the order's JSON
    prefetch: Callable[[Merchant], Prefetch] | None = None  # loads the section for a list of orders in one query
    field: Callable[[], Field] | None = None  # the serializer field that writes it
    template: str = ""  # the part of the staff order page it renders, after the refunds


_sections: dict[str, OrderSection] = {}


def order_section_register(section: OrderSection) -> None:
    _sections[section.name] = section


def order_sections() -> list[OrderSection]:
    return list(_sections.values())


def order_page_templates() -> list[str]:
    """The parts other apps add to the staff order page, in the order they registered."""
    return [section.template for section in _sections.values() if section.template]


@dataclass(frozen=True)
class CustomerSection:
    """A part another app adds to the staff customer page (store credit, loyalty points…).

    `context(request, customer)` gives the plain data its `template` reads, as `section` (in a fixed
    number of queries: the page's count is pinned in tests).
    """

    name: str
    context: Callable
    template: str


_customer_sections: dict[str, CustomerSection] = {}


def customer_section_register(section: CustomerSection) -> None:
    _customer_sections[section.name] = section


def customer_page_sections(request, customer) -> list[dict]:
    """The parts of the staff customer page other apps add, each {"template", "section"}, in registration order."""
    return [
        {"template": section.template, "section": section.context(request, customer)}
        for section in _customer_sections.values()
    ]
