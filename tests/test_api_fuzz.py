"""Schemathesis over /api/schema/: every operation answers what the schema says, and never a 5xx.

The requests go in process through the WSGI application to the real database, with an admin
API key, so writes run too. Generation is derandomized (a fixed seed) and bounded: schemathesis'
boundary cases, then 20 generated examples per operation, valid and invalid. Checks: no 5xx,
documented status codes and content types, responses that match their schema, and invalid
requests refused.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.services import default_flows_install
from merchants.models import Role
from merchants.services import api_key_issue
from outbound import services as webhooks
from outbound.models import OutboundMessage
from returns.lifecycle import ItemInput, return_request_create
from tests.flows.helpers import place_order, publish_pending, ship
from tests.outbound.outbound_support import fake_dns  # noqa: F401 - fixture
from tests.test_wsgi import kept_connection

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
PLACED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def shop(merchant, fake_dns):  # noqa: F811
    """A shop with an order (sent and scheduled emails, a shipment with an event, a return), its customer, and a
    webhook endpoint with a delivery. Commit hooks never run inside the test's transaction, so no
    delivery leaves the machine."""
    with merchant_scope(merchant):
        endpoint = webhooks.endpoint_create(merchant=merchant, url="https://hooks.example.com/in", event_types=["*"])
    default_flows_install(merchant=merchant)
    with time_machine.travel(PLACED, tick=False):
        order = place_order(merchant, placed_at=PLACED)
        publish_pending(merchant)
        dispatch_due()
    shipment = ship(merchant, order, at=PLACED)
    with merchant_scope(merchant):
        line = order.line_items.first()
    a_return = return_request_create(
        order=order, items=[ItemInput(line.pk, 1, "too_big")], method="ship_yourself", now=PLACED
    )
    with merchant_scope(merchant):
        ids = {
            "orders": order.pk,
            "customers": order.customer_id,
            "shipments": shipment.pk,
            "webhook-endpoints": endpoint.endpoint.pk,
            "returns": a_return.pk,
            "products": _product(merchant).pk,
            "reviews": _review(merchant, order).pk,
            "surveys": _survey_answer(order).pk,
            "webhook-deliveries": OutboundMessage.objects.filter(endpoint=endpoint.endpoint).latest("id").pk,
        }
    key = api_key_issue(merchant=merchant, name="fuzz", role=Role.ADMIN)
    with kept_connection():  # the WSGI handler would close the connection of the test's transaction
        yield Shop(headers={"Authorization": f"Bearer {key.plaintext}"}, ids=ids)


def _product(merchant):
    from catalogue.services import ProductInput, VariantInput, product_upsert

    variant = VariantInput(variant_id="tee-m", price="29.00", options=[("Size", "M")], available=3)
    return product_upsert(merchant=merchant, data=ProductInput("tee", "api", "Tee", variants=[variant]))[0]


def _review(merchant, order):
    from feedback.review_services import ReviewInput, review_report

    data = ReviewInput(order, None, "", 5, "shop", "rev-1", "https://maison-lumiere.example.com/r/1", PLACED)
    return review_report(merchant=merchant, data=data)[0]


def _survey_answer(order):
    from feedback.services import Answer, invitation_for_order, response_submit

    invitation = invitation_for_order(order=order, language="en")
    return response_submit(invitation=invitation, answer=Answer(score=4, comment="Vite"))[0]


@dataclass
class Shop:
    headers: dict[str, str]
    ids: dict[str, int]  # an existing object per collection, e.g. {"orders": 12}

    def existing_object(self, case) -> dict | None:
        """The case's path parameters pointing at one of the shop's objects, for a case meant to be valid."""
        if "id" not in case.path_parameters or case.meta.generation.mode.is_negative:
            return None
        collection = case.operation.path.removeprefix("/api/v1/").split("/")[0]
        return {**case.path_parameters, "id": self.ids[collection]}


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_as_its_schema_says(case, shop):
    # No URL carries a query parameter without a name: such a "negative" case reaches us valid.
    assume(case.meta.generation.mode.is_positive or "" not in (case.query or {}))
    case.call_and_validate(headers=shop.headers, checks=CHECKS)
    # Random ids almost never exist: send each valid case to a real object too, so the answers
    # of reads and writes on existing objects are checked against the schema as well.
    existing = shop.existing_object(case)
    if existing is not None:
        case.path_parameters = existing
        case.call_and_validate(headers=shop.headers, checks=CHECKS)
