"""One status, one wording: the tracking page's heading and progress bar, the staff pages' badges and the
emails all word a shipment's status from tracking/status.py."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from core.scoping import merchant_scope
from flows.content import order_context
from flows.models import FlowSettings
from tracking.models import ShipmentStatus
from tracking.services import shipment_upsert, tracking_event_add
from tracking.status import PROGRESS_STATUSES, progress_labels, status_label, status_step
from tracking.tokens import tracking_page_path

from .conftest import PLACED


def heading_and_current_step(html: str) -> tuple[str, str]:
    heading = re.search(r'<span class="track-status">(.*?)</span>', html).group(1)
    current = re.search(r'<li class="current" aria-current="step">(.*?)</li>', html).group(1)
    return heading, current


@pytest.fixture
def just_shipped(merchant, order):
    """A shipment the shop has just created: no carrier event yet."""
    return shipment_upsert(merchant=merchant, order=order, tracking_number="8D00432154798", shipped_at=PLACED)


@pytest.mark.parametrize(("language", "word"), [("en", "Shipped"), ("fr", "Expédié")])
def test_a_just_shipped_parcel_reads_shipped_in_its_heading_and_its_bar(client, order, just_shipped, language, word):
    html = client.get(tracking_page_path(order) + f"?lang={language}").content.decode()
    assert heading_and_current_step(html) == (word, word)
    assert "Pending" not in html and "En attente" not in html
    assert "Expédié le" not in html  # the column label of the order page, not a step


@pytest.mark.parametrize("status", PROGRESS_STATUSES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_step_status_reads_the_same_in_heading_and_bar(client, merchant, order, just_shipped, status, language):
    if status != ShipmentStatus.PENDING:
        tracking_event_add(
            merchant=merchant,
            shipment=just_shipped,
            status=status,
            occurred_at=PLACED + timedelta(days=1),
            source="api",
        )
    html = client.get(tracking_page_path(order) + f"?lang={language}").content.decode()
    heading, current = heading_and_current_step(html)
    assert heading == current
    with translation.override(language):
        assert heading == status_label(status)


def test_every_status_has_a_label_and_a_step_in_both_languages():
    for language in ("en", "fr"):
        with translation.override(language):
            labels = progress_labels()
            for status in ShipmentStatus.values:
                assert status_label(status) not in ("", status)
                assert 1 <= status_step(status) < len(labels)
            for status in PROGRESS_STATUSES:
                assert labels[status_step(status)] == status_label(status)
    assert status_label("teleported") == "teleported"  # a value we no longer know, as recorded


def test_the_order_page_badge_and_the_email_use_the_same_word(staff_client, owner, merchant, order, just_shipped):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = staff_client.get(reverse("orders:detail", kwargs={"pk": order.pk})).content.decode()
    assert '<span class="badge">Expédié</span>' in page
    assert "<th>Expédié le</th>" in page  # the date column keeps its own wording
    with merchant_scope(merchant):
        context = order_context(
            order=order,
            merchant=merchant,
            language="fr",
            tz=merchant.tzinfo,
            flow_settings=FlowSettings(merchant=merchant),
            links={},
            with_recommendations=False,
        )
    assert context["shipment"]["status"] == "Expédié"
