"""A French shop's default flows read in English for an English staff member, and the other way round;
a name the shop typed is shown as typed."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from core.scoping import merchant_scope
from flows.history import messages_record_past
from flows.models import Flow, FlowStep
from flows.selectors import messages_for_order
from flows.services import default_flows_install, flow_update
from orders.events import events_recorded_as_history
from orders.models import OrderEvent

from .helpers import place_order


@pytest.fixture
def flows(merchant):  # a French shop: its defaults are installed with French names
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        return {flow.key: flow for flow in Flow.objects.prefetch_related("steps")}


@pytest.mark.django_db
def test_default_names_follow_the_readers_language(flows):
    confirmation, journey = flows["order-confirmation"], flows["post-purchase"]
    welcome = journey.steps.get(key="welcome")
    assert confirmation.name == "Confirmation de commande" and welcome.name == "J+2 Bienvenue"

    with translation.override("en"):
        assert (confirmation.shown_name, welcome.shown_name) == ("Order confirmation", "J+2 Welcome")
    with translation.override("fr"):
        assert (confirmation.shown_name, welcome.shown_name) == ("Confirmation de commande", "J+2 Bienvenue")


@pytest.mark.django_db
def test_a_name_the_shop_typed_is_shown_as_typed(merchant, flows):
    journey = flows["post-purchase"]
    with merchant_scope(merchant):
        flow_update(flow=journey, name="Après l'achat", active=True, anchor=journey.anchor)
        journey.refresh_from_db()
    with translation.override("en"):
        assert journey.shown_name == "Après l'achat"
    assert FlowStep(name="Relance", key="").shown_name == "Relance"


@pytest.mark.django_db
def test_the_order_timeline_names_the_emails_in_the_staff_language(merchant, flows, staff_client, owner):
    with events_recorded_as_history():
        order = place_order(merchant, placed_at=timezone.now() - timedelta(days=1))
    with merchant_scope(merchant):
        events = list(OrderEvent.objects.filter(order=order))
    messages_record_past(merchant=merchant, events=events, now=timezone.now())

    with translation.override("en"):
        assert {item["step"] for item in messages_for_order(order)} >= {"Order confirmation", "J+2 Welcome"}
    owner.language = "en"
    owner.save()
    page = staff_client.get(f"/app/orders/{order.pk}/").content.decode()
    assert "Order confirmation" in page and "Confirmation de commande" not in page


@pytest.mark.django_db
def test_the_edit_forms_offer_the_name_the_page_shows(flows, staff_client, owner):
    owner.language = "en"
    owner.save()
    journey = flows["post-purchase"]
    welcome = journey.steps.get(key="welcome")
    flow_page = staff_client.get(f"/app/flows/{journey.pk}/").content.decode()
    step_page = staff_client.get(f"/app/flows/{journey.pk}/steps/{welcome.pk}/").content.decode()
    with translation.override("en"):
        english = journey.shown_name
    assert english != journey.name and f'value="{english}"' in flow_page
    assert 'value="J+2 Welcome"' in step_page and "J+2 Bienvenue" not in step_page
