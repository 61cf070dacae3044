"""Feedback → Reviews (the settings page), the review links in emails, the switched-off review flow,
and reviews in personal-data exports and erasure."""

import pytest

from core.scoping import merchant_scope
from feedback.models_reviews import Review, ReviewClick, ReviewSettings
from feedback.review_links import LinkTarget
from feedback.review_mail import FLOW_KEY, TEMPLATES
from feedback.review_services import ReviewInput, review_click_record, review_report
from flows.content import sample_context
from flows.context_providers import provided_samples, provided_values
from flows.models import Flow, FlowSettings
from flows.rendering import template_problems
from flows.services import default_flows_install
from merchants.models import Role
from orders.models import OrderEvent
from orders.privacy import DataSubject, personal_data_collect, personal_data_erase
from tests.conftest import login_as
from tests.factories import MembershipFactory, OrderFactory, UserFactory

from .reviews_support import GOOGLE, TRUSTPILOT, destinations_save, rows

pytestmark = pytest.mark.django_db
PAGE = "/app/feedback/reviews/"


@pytest.fixture
def order(merchant):
    return OrderFactory(merchant=merchant)


def form(**overrides):
    data = {"google_url": GOOGLE, "trustpilot_url": "", "app": "", "app_url": "", "shown": ["google"]}
    data.update(overrides)
    return data


def settings_of(merchant):
    with merchant_scope(merchant):
        return ReviewSettings.objects.filter(merchant=merchant).first()


def test_the_page_explains_why_there_is_no_gating(staff_client, django_assert_num_queries):
    staff_client.get(PAGE)
    with django_assert_num_queries(3):  # what every staff page reads, and the settings row
        page = staff_client.get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Why every customer gets the same invitation" in text and "§465.4" in text and "§465.7" in text
    assert "loyalty points included" in text


def test_the_page_in_french(staff_client, owner):
    owner.language = "fr"
    owner.save()
    text = staff_client.get(PAGE).content.decode()
    assert "Pourquoi chaque client reçoit la même invitation" in text
    assert "points de fidélité compris" in text


def test_saving_destinations(staff_client, merchant):
    answer = staff_client.post(PAGE, form(trustpilot_url=TRUSTPILOT, shown=["trustpilot", "google"]))
    assert answer.status_code == 302
    row = settings_of(merchant)
    assert (row.google_url, row.trustpilot_url, row.shown) == (GOOGLE, TRUSTPILOT, ["google", "trustpilot"])
    assert "Review settings saved." in staff_client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"google_url": ""}, "google_url", "Give this link"),
        ({"google_url": "http://search.google.com/local/writereview?placeid=x"}, "google_url", "https://"),
        ({"google_url": "javascript:alert(1)"}, "google_url", "valid URL"),
        ({"shown": ["facebook"]}, "shown", "valid choice"),
        ({"app_url": "https://judge.me/x"}, "app", "Say which review app"),
        ({"google_url": "https://x.example/" + "a" * 500}, "google_url", "at most 500"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(staff_client, merchant, overrides, field, message):
    destinations_save(merchant, shown=["trustpilot"])
    before = settings_of(merchant).shown
    answer = staff_client.post(PAGE, form(**overrides))
    assert answer.status_code == 400
    assert message in answer.content.decode() and "Nothing was saved" in answer.content.decode()
    assert settings_of(merchant).shown == before


def test_only_admins_change_it(client, merchant):
    user = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.VIEWER)
    viewer = login_as(client, user, merchant)
    assert "Only admins change these settings." in viewer.get(PAGE).content.decode()
    assert viewer.post(PAGE, form()).status_code == 403
    assert settings_of(merchant) is None


def test_each_shop_edits_its_own(staff_client, merchant, other_merchant):
    destinations_save(other_merchant, google_url="https://g.page/r/other/review", shown=["google"])
    assert "g.page/r/other" not in staff_client.get(PAGE).content.decode()
    staff_client.post(PAGE, form())
    assert settings_of(other_merchant).google_url == "https://g.page/r/other/review"


# --- Emails -----------------------------------------------------------------------------------------


def test_emails_get_the_orders_links(merchant, order):
    destinations_save(merchant)
    with merchant_scope(merchant):
        values = provided_values(order=order, language="en", wanted=lambda name: name.startswith("review_"))
    assert [link["destination"] for link in values["review_links"]] == ["google", "trustpilot"]
    assert values["review_url"] == values["review_links"][0]["url"] and "/r/" in values["review_url"]


def test_the_review_flow_is_installed_switched_off_and_its_templates_are_valid(merchant):
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        flow = Flow.objects.get(merchant=merchant, key=FLOW_KEY)
        step = flow.steps.get()
        flow_settings = FlowSettings.objects.get(merchant=merchant)
        assert not flow.active and set(step.templates.values_list("language", flat=True)) == {"en", "fr"}
        assert "low_satisfaction" not in step.stop_rules  # skipping unhappy customers would be gating
        for language, content in TEMPLATES.items():
            sample = sample_context(merchant=merchant, language=language, flow_settings=flow_settings)
            for name, html_mode in (("subject", False), ("preheader", False), ("html", True)):
                assert template_problems(content[name], sample=sample, html_mode=html_mode) == []
    assert {"review_links", "review_url"} <= set(provided_samples(merchant=merchant, language="fr"))


# --- Privacy ----------------------------------------------------------------------------------------


def test_export_and_erasure(merchant, other_merchant, order):
    destinations_save(merchant)
    review_click_record(
        merchant=merchant, target=LinkTarget(merchant.pk, "google", f"order:{order.pk}", order.pk, None)
    )
    review_report(
        merchant=merchant,
        data=ReviewInput(order, None, "", 5, "google", "g-1", "https://g.co/r/1", order.placed_at),
    )
    other_order = OrderFactory(merchant=other_merchant)
    review_report(
        merchant=other_merchant,
        data=ReviewInput(other_order, None, "", 2, "google", "g-1", "https://g.co/r/2", other_order.placed_at),
    )
    subject = DataSubject(merchant=merchant, order_ids=frozenset({order.pk}))
    exported = personal_data_collect(subject=subject)["reviews"]
    assert [r["external_id"] for r in exported["reviews"]] == ["g-1"] and len(exported["clicks"]) == 1
    personal_data_erase(subject=subject)
    assert rows(merchant, Review) == [] and rows(merchant, ReviewClick) == []
    with merchant_scope(merchant):
        (event,) = OrderEvent.objects.filter(merchant=merchant, kind="review.reported")
    assert event.payload["url"] == ""
    assert len(rows(other_merchant, Review)) == 1  # another shop's review of the same id is untouched


def test_existing_shops_get_the_switched_off_review_flow_once(merchant):
    from importlib import import_module
    from pathlib import Path

    from django.apps import apps

    import feedback.migrations

    (module,) = [path.stem for path in Path(feedback.migrations.__path__[0]).glob("*_reviews.py")]
    install = import_module(f"feedback.migrations.{module}").install_review_flow
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        Flow.objects.filter(key=FLOW_KEY).delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        flow = Flow.objects.get(key=FLOW_KEY)
        assert not flow.active and flow.steps.get().templates.count() == 2
        flow.steps.update(name="Edited by the shop")
    install(apps, None)
    with merchant_scope(merchant):
        assert Flow.objects.get(key=FLOW_KEY).steps.get().name == "Edited by the shop"
