"""What other apps add to an order: rows loaded with it, and a field of its API JSON.

Orders knows nothing of shipments or emails; tracking adds the shipments and flows the messages
in their AppConfig.ready(), and an app built later adds its own the same way without editing
orders:

    order_section_register(OrderSection(
        name="shipments",
        prefetch=lambda merchant: Prefetch("shipments", queryset=Shipment.objects.filter(merchant=merchant)),
        field=lambda: ShipmentSerializer(many=True, read_only=True),
    ))
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch
from rest_framework.fields import Field

from merchants.models import Merchant


@dataclass(frozen=True)
class OrderSection:
    name: str  # the key in the order's JSON
    prefetch: Callable[[Merchant], Prefetch]  # loads the section for a list of orders in one query
    field: Callable[[], Field]  # the serializer field that writes it


_sections: dict[str, OrderSection] = {}


def order_section_register(section: OrderSection) -> None:
    _sections[section.name] = section


def order_sections() -> list[OrderSection]:
    return list(_sections.values())
