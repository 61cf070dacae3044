"""Personal data: erase it on request (customers/redact, shop/redact) and export it (data requests).

Every app that stores personal data registers what it holds, in its AppConfig.ready():

    from orders.privacy import register_eraser, register_exporter
    register_eraser("flows.messages", erase_messages)      # fn(subject) -> rows touched
    register_exporter("flows.messages", export_messages)   # fn(subject) -> JSON-ready data

A `DataSubject` names the person (or the whole shop) with both the shop's identifiers and
our resolved row ids, so an eraser needs no lookup of its own. Erasers run in registration
order inside one transaction: either everything is erased or nothing is.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.money import amount_str
from core.scoping import merchant_scope
from merchants.models import Merchant

from .models import Customer, DataExport, Order

# Ids shorter than this would match unrelated numbers when searching stored webhook bodies.
MIN_SEARCHABLE_ID_LENGTH = 6


@dataclass(frozen=True)
class DataSubject:
    merchant: Merchant
    whole_shop: bool = False
    customer_external_ids: frozenset[str] = field(default_factory=frozenset)
    emails: frozenset[str] = field(default_factory=frozenset)  # lower-cased
    order_external_ids: frozenset[str] = field(default_factory=frozenset)
    customer_ids: frozenset[int] = field(default_factory=frozenset)  # ours
    order_ids: frozenset[int] = field(default_factory=frozenset)  # ours

    def customers(self):
        rows = Customer.objects.filter(merchant=self.merchant)
        return rows if self.whole_shop else rows.filter(pk__in=self.customer_ids)

    def orders(self):
        rows = Order.objects.filter(merchant=self.merchant)
        return rows if self.whole_shop else rows.filter(pk__in=self.order_ids)


Eraser = Callable[[DataSubject], int]
Exporter = Callable[[DataSubject], object]
_erasers: dict[str, Eraser] = {}
_exporters: dict[str, Exporter] = {}


def register_eraser(name: str, eraser: Eraser) -> None:
    _erasers[name] = eraser


def register_exporter(name: str, exporter: Exporter) -> None:
    _exporters[name] = exporter


def subject_for(
    *,
    merchant: Merchant,
    customer_external_ids=(),
    emails=(),
    order_external_ids=(),
) -> DataSubject:
    """Resolve a person from the shop's identifiers: their customers, and orders by customer, id or email."""
    external_ids = frozenset(value for value in customer_external_ids if value)
    wanted_emails = {value.strip().lower() for value in emails if value and value.strip()}
    order_external = frozenset(value for value in order_external_ids if value)
    with merchant_scope(merchant):
        customer_match = Q(external_id__in=external_ids) if external_ids else Q(pk__in=[])
        if wanted_emails:
            customer_match |= Q(email_lower__in=wanted_emails)
        customers = list(
            Customer.objects.filter(merchant=merchant)
            .annotate(email_lower=Lower("email"))
            .filter(customer_match)
            .values_list("pk", "email_lower")
        )
        customer_ids = frozenset(pk for pk, _email in customers)
        wanted_emails |= {email for _pk, email in customers if email}
        order_match = Q(customer_id__in=customer_ids) | Q(external_id__in=order_external)
        if wanted_emails:
            order_match |= Q(email_lower__in=wanted_emails)
        order_ids = frozenset(
            Order.objects.filter(merchant=merchant)
            .annotate(email_lower=Lower("email"))
            .filter(order_match)
            .values_list("pk", flat=True)
        )
    return DataSubject(
        merchant=merchant,
        customer_external_ids=external_ids,
        emails=frozenset(wanted_emails),
        order_external_ids=order_external,
        customer_ids=customer_ids,
        order_ids=order_ids,
    )


def subject_whole_shop(*, merchant: Merchant) -> DataSubject:
    return DataSubject(merchant=merchant, whole_shop=True)


def personal_data_erase(*, subject: DataSubject) -> dict[str, int]:
    """Run every registered eraser in one transaction. Returns rows touched per eraser."""
    with merchant_scope(subject.merchant), transaction.atomic():
        return {name: eraser(subject) for name, eraser in _erasers.items()}


def personal_data_collect(*, subject: DataSubject) -> dict:
    with merchant_scope(subject.merchant):
        return {name: exporter(subject) for name, exporter in _exporters.items()}


def data_export_create(*, subject: DataSubject, source: str, request_id: str = "", delivery=None) -> DataExport:
    """Gather the subject's data into a DataExport; the same request id updates the same export.

    `delivery`: the inbound webhook that asked for it (integrations.WebhookDelivery), if one did.
    """
    if not request_id and delivery is not None:
        request_id = f"delivery-{delivery.pk}"
    data = personal_data_collect(subject=subject)
    values = {
        "customer_external_id": ",".join(sorted(subject.customer_external_ids))[:64],
        "email": ",".join(sorted(subject.emails))[:254],
        "data": data,
        "delivery": delivery,
    }
    with merchant_scope(subject.merchant), transaction.atomic():
        if request_id:
            export, _created = DataExport.objects.update_or_create(
                merchant=subject.merchant, source=source, request_id=request_id, defaults=values
            )
            return export
        return DataExport.objects.create(merchant=subject.merchant, source=source, **values)


# --- What the orders app holds ----------------------------------------------------------------------


def erase_customers(subject: DataSubject) -> int:
    return subject.customers().update(
        email="",
        first_name="",
        last_name="",
        phone="",
        time_zone="",
        accepts_marketing=False,
        redacted_at=timezone.now(),
        updated_at=timezone.now(),
    )


def erase_orders(subject: DataSubject) -> int:
    return subject.orders().update(
        email="",
        shipping_name="",
        shipping_address1="",
        shipping_address2="",
        shipping_city="",
        shipping_postal_code="",
        landing_site="",
        referring_site="",
        updated_at=timezone.now(),
    )


def erase_data_exports(subject: DataSubject) -> int:
    exports = DataExport.objects.filter(merchant=subject.merchant)
    if not subject.whole_shop:
        match = Q(pk__in=[])
        for email in subject.emails:
            match |= Q(email__icontains=email)
        for identifier in subject.customer_external_ids:
            match |= Q(customer_external_id__contains=identifier)
        exports = exports.filter(match)
    return exports.delete()[0]


def export_customers(subject: DataSubject) -> list[dict]:
    return [
        {
            "external_id": customer.external_id,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone": customer.phone,
            "language": customer.language,
            "time_zone": customer.time_zone,
            "accepts_marketing": customer.accepts_marketing,
            "created_at": customer.created_at.isoformat(),
        }
        for customer in subject.customers().order_by("id")
    ]


def export_orders(subject: DataSubject) -> list[dict]:
    orders = subject.orders().order_by("placed_at", "id").prefetch_related("line_items", "refunds", "shipments")
    return [
        {
            "external_id": order.external_id,
            "number": order.number,
            "placed_at": order.placed_at.isoformat(),
            "email": order.email,
            "currency": order.currency,
            "total": amount_str(order.total, order.currency),
            "financial_status": order.financial_status,
            "fulfillment_status": order.fulfillment_status,
            "cancelled_at": order.cancelled_at.isoformat() if order.cancelled_at else None,
            "shipping_address": {
                "name": order.shipping_name,
                "address1": order.shipping_address1,
                "address2": order.shipping_address2,
                "city": order.shipping_city,
                "postal_code": order.shipping_postal_code,
                "country": order.shipping_country,
            },
            "line_items": [
                {
                    "sku": item.sku,
                    "title": item.title,
                    "quantity": item.quantity,
                    "unit_price": amount_str(item.unit_price, order.currency),
                }
                for item in order.line_items.all()
            ],
            "refunds": [
                {
                    "amount": amount_str(refund.amount, refund.currency),
                    "currency": refund.currency,
                    "refunded_at": refund.refunded_at.isoformat(),
                }
                for refund in order.refunds.all()
            ],
            "shipments": [
                {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number, "status": shipment.status}
                for shipment in order.shipments.all()
            ],
        }
        for order in orders
    ]


register_eraser("orders.customers", erase_customers)
register_eraser("orders.orders", erase_orders)
register_eraser("orders.data_exports", erase_data_exports)
register_exporter("customers", export_customers)
register_exporter("orders", export_orders)
