"""Staff read carriers, delay reasons, estimate sources, sources and platforms by name, never our codes."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.scoping import merchant_scope
from shop_actions.adapters import platform_name
from tracking.carriers import CARRIERS
from tracking.services import DelayReason, shipment_upsert
from tracking.templatetags.shipments import DELAY_REASONS, ESTIMATE_SOURCES

from .conftest import PLACED


def rendered(source: str, **context) -> str:
    return Template("{% load carriers shipments sources %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_code_has_words_in_both_languages(language):
    reasons = [v for k, v in vars(DelayReason).items() if not k.startswith("_")]
    with translation.override(language):
        for reason in reasons:
            assert rendered("{{ c|delay_reason }}", c=reason) == str(DELAY_REASONS[reason])
        for source in ESTIMATE_SOURCES:
            assert rendered("{{ c|estimate_source }}", c=source) not in ("", source)
        for source in ("api", "staff", "poll", "demo", "shopify", "aftership"):
            assert rendered("{{ c|source_name }}", c=source) != source
        for code in CARRIERS:
            assert rendered("{{ c|carrier_name }}", c=code) != code
        assert platform_name("manual") != "manual"


def test_shipment_page_and_list_show_no_codes(staff_client, merchant, order):
    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="8D00432154798", carrier_hint="Mondial Relay", shipped_at=PLACED
    )
    with merchant_scope(merchant):
        shipment.is_delayed, shipment.delay_reason, shipment.delayed_at = (
            True,
            "window_passed",
            PLACED + timedelta(days=5),
        )
        shipment.estimate_source = "history"
        shipment.estimated_delivery_from = shipment.estimated_delivery_to = (PLACED + timedelta(days=3)).date()
        shipment.save()
    page = staff_client.get(reverse("tracking:detail", kwargs={"pk": shipment.pk})).content.decode()
    listing = staff_client.get(reverse("tracking:index")).content.decode()
    for html in (page, listing):
        assert "expected delivery date passed" in html
        assert "window_passed" not in html.replace('"window_passed"', "")
    assert "from this shop&#x27;s past deliveries" in page or "from this shop's past deliveries" in page
    assert ">Mondial Relay</option>" in listing and ">mondial_relay</option>" not in listing


def test_a_flows_trigger_status_reads_as_its_label(staff_client, merchant):
    from flows.services import default_flows_install

    default_flows_install(merchant=merchant)
    html = staff_client.get(reverse("flows:index")).content.decode()
    assert "(Out for delivery)" in html and "(out_for_delivery)" not in html
