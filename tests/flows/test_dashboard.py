"""The flows dashboard: list, editor (validation, preview, test send), settings, roles and isolation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.scoping import merchant_scope
from flows.defaults import default_flow_specs
from flows.models import Flow, FlowStep, Message, MessageEvent, ScheduledMessage, StepTemplate
from flows.selectors import step_stats
from flows.services import default_flows_install
from merchants.models import Role
from merchants.services import merchant_create
from tests.conftest import login_as
from tests.factories import MembershipFactory, OrderFactory, UserFactory


@pytest.fixture
def flows(merchant):
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        journey = Flow.objects.get(key="post-purchase")
        welcome = journey.steps.get(key="welcome")
    return journey, welcome


def step_post(step, **overrides):
    data = {
        "name": step.name,
        "active": "on",
        "delay_days": "2",
        "delay_hours": "0",
        "window_start": "10:00",
        "window_end": "18:00",
        "window_time_zone": "customer",
        "stop_rules": ["order_cancelled"],
        "action": "save",
    }
    for template in step.templates.all():
        for field in ("subject", "preheader", "html_body", "text_body"):
            data[f"{template.language}-{field}"] = getattr(template, field)
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_new_merchants_get_the_default_flows_once():
    merchant, _owner = merchant_create(
        name="Atelier", slug="atelier", owner_email="o@atelier.example.com", owner_password="x" * 12
    )
    default_flows_install(merchant=merchant)  # again: nothing added
    with merchant_scope(merchant):
        keys = sorted(Flow.objects.values_list("key", flat=True))
        assert keys == sorted(flow["key"] for flow, _steps in default_flow_specs())  # other apps' too
        assert {"order-confirmation", "shipped", "out-for-delivery", "delivered", "delayed", "post-purchase"} <= set(
            keys
        )
        assert FlowStep.objects.filter(flow__key="post-purchase").count() == 5
        assert set(StepTemplate.objects.values_list("language", flat=True)) == {"en", "fr"}


@pytest.mark.django_db
def test_every_default_template_passes_validation(merchant):
    from flows.services import templates_validate

    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        for step in FlowStep.objects.prefetch_related("templates"):
            templates = {
                t.language: {f: getattr(t, f) for f in ("subject", "preheader", "html_body", "text_body")}
                for t in step.templates.all()
            }
            assert (
                templates_validate(merchant=merchant, templates=templates, plain_text_only=step.plain_text_only) == {}
            ), step


@pytest.mark.django_db
def test_flow_list_installs_defaults_lazily_for_existing_merchants(staff_client):
    response = staff_client.get("/app/flows/")
    assert response.status_code == 200
    assert "Parcours après achat" in response.content.decode() or "Post-purchase journey" in response.content.decode()


@pytest.mark.django_db
def test_step_editor_saves_valid_changes(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(welcome, **{"en-subject": "Welcome, {{ customer.first_name }}"})
    response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data)
    assert response.status_code == 302
    with merchant_scope(merchant):
        assert welcome.templates.get(language="en").subject == "Welcome, {{ customer.first_name }}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("en-html_body", "<p>{% if %}</p>", "Template syntax error"),
        ("en-subject", "Hi {{ customer.nickname }}", "Unknown variable: customer.nickname"),
        ("fr-html_body", "{{ order.__class__.__name__ }}", "Template syntax error"),
        ("window_end", "09:00", "The window must end after it starts"),
    ],
)
def test_step_editor_refuses_bad_templates_and_changes_nothing(staff_client, merchant, flows, field, value, message):
    journey, welcome = flows
    with merchant_scope(merchant):
        before = {t.language: (t.subject, t.html_body) for t in welcome.templates.all()}
        data = step_post(welcome, **{field: value})
    response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    with merchant_scope(merchant):
        assert {t.language: (t.subject, t.html_body) for t in welcome.templates.all()} == before


@pytest.mark.django_db
def test_preview_renders_the_sample_order_without_saving(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(
            welcome, action="preview", preview_language="en", **{"en-subject": "Preview {{ order.number }}"}
        )
    response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Preview #1001" in content and "srcdoc=" in content
    with merchant_scope(merchant):
        assert welcome.templates.get(language="en").subject != "Preview {{ order.number }}"


@pytest.mark.django_db
def test_live_preview_answers_the_pane_alone_and_saves_nothing(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(
            welcome, action="preview", preview_language="fr", **{"fr-subject": "Aperçu {{ order.number }}"}
        )
    url = f"/app/flows/{journey.pk}/steps/{welcome.pk}/"

    response = staff_client.post(url, data, headers={"X-Preview-Fragment": "1"})

    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="preview-subject">Aperçu #1001<' in content and "<html" not in content.lower()[:200]
    assert "Send me a test" not in content  # the pane only: the page around it stays as it is
    with merchant_scope(merchant):
        assert welcome.templates.get(language="fr").subject != "Aperçu {{ order.number }}"


@pytest.mark.django_db
def test_live_preview_of_a_broken_template_lists_the_errors(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(welcome, action="preview", **{"en-subject": "Hi {{ customer.nickname }}"})

    response = staff_client.post(
        f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data, headers={"X-Preview-Fragment": "1"}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content and "EN · Subject: Unknown variable: customer.nickname" in content


@pytest.mark.django_db
def test_editor_opens_beside_the_saved_email_with_times_in_hours_and_minutes(staff_client, merchant, flows):
    journey, welcome = flows
    html = staff_client.get(f"/app/flows/{journey.pk}/steps/{welcome.pk}/").content.decode()

    assert 'type="time" name="window_start" value="10:00"' in html and "10:00:00" not in html
    assert 'class="preview-subject">Bienvenue chez Maison Lumière' in html  # the shop's language first
    assert 'name="preview_language" value="fr" form="step-form" checked' in html
    assert "Send me a test" in html and 'value="phone"' in html


@pytest.mark.django_db
def test_preview_shows_the_sender_as_a_mail_app_does(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        data = step_post(welcome, action="preview", preview_language="en", from_name="Élodie")
    response = staff_client.post(
        f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data, headers={"X-Preview-Fragment": "1"}
    )
    content = response.content.decode()
    assert "<dd>Élodie · Maison Lumière &lt;" in content
    assert "=?utf-8?" not in content


@pytest.mark.django_db
def test_send_me_a_test(staff_client, owner, flows):
    journey, welcome = flows
    response = staff_client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/test/", {"language": "en"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [owner.email] and email.subject.startswith("[TEST] Welcome to")


@pytest.mark.django_db
def test_step_page_shows_stats(staff_client, flows):
    journey, welcome = flows
    response = staff_client.get(f"/app/flows/{journey.pk}/steps/{welcome.pk}/")
    assert response.status_code == 200 and "Open rate" in response.content.decode()
    assert staff_client.get(f"/app/flows/{journey.pk}/").status_code == 200


def clicked_then_ordered(merchant, step, email, currency, total):
    """A click on the step's email, then an order by the same person a day later."""
    clicked = timezone.now() - timedelta(days=3)
    first = OrderFactory(merchant=merchant, email=email, placed_at=clicked - timedelta(days=10))
    scheduled = ScheduledMessage.objects.create(
        merchant=merchant, step=step, order=first, anchor_at=clicked, first_due_at=clicked, due_at=clicked
    )
    message = Message.objects.create(
        merchant=merchant,
        scheduled=scheduled,
        step=step,
        order=first,
        kind=step.flow.kind,
        recipient=email,
        subject="Welcome",
        language="en",
        sent_at=clicked,
        clicked_at=clicked,
    )
    MessageEvent.objects.create(
        merchant=merchant, message=message, kind="clicked", source="redirect", occurred_at=clicked
    )
    OrderFactory(
        merchant=merchant,
        customer=first.customer,
        email=email,
        placed_at=clicked + timedelta(days=1),
        currency=currency,
        total=total,
    )


@pytest.mark.django_db
def test_revenue_after_clicks_is_summed_per_currency(staff_client, merchant, flows):
    journey, welcome = flows
    with merchant_scope(merchant):
        clicked_then_ordered(merchant, welcome, "a@example.org", "KWD", Decimal("12.345"))
        clicked_then_ordered(merchant, welcome, "b@example.org", "KWD", Decimal("0.005"))
        clicked_then_ordered(merchant, welcome, "c@example.org", "EUR", Decimal("10.50"))

    email = step_stats(step=welcome)["email"]
    assert (email.orders, email.revenue) == (3, {"EUR": Decimal("10.50"), "KWD": Decimal("12.350")})
    page = staff_client.get(f"/app/flows/{journey.pk}/").content.decode()
    assert "KWD\u00a012.350" in page and "€10.50" in page


def settings_post(*guides, **overrides) -> dict:
    """The email settings form as the browser sends it: fields, then the guide rows and their management form."""
    data = {"marketing_daily_cap": "1", "late_tolerance_hours": "24", "allowed_link_domains": ""}
    rows = [*guides, {}, {}]  # the page's two empty rows
    data.update({"guides-TOTAL_FORMS": str(len(rows)), "guides-INITIAL_FORMS": str(len(guides))})
    for index, row in enumerate(rows):
        for key in ("product_type", "en", "fr", "url"):
            data[f"guides-{index}-{key}"] = row.get(key, "")
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_product_guides_are_edited_as_rows_and_stored_by_product_type(staff_client, merchant):
    from flows.services import flow_settings_get

    candle = {"product_type": "Candle", "en": "Trim the wick.", "fr": "Coupez la mèche.", "url": "shop.example/c"}
    response = staff_client.post(
        "/app/flows/settings/", settings_post(candle, {"product_type": "mug", "fr": "Lavez à la main."})
    )
    assert response.status_code == 302
    assert flow_settings_get(merchant=merchant).product_guides == {
        "Candle": {"en": "Trim the wick.", "fr": "Coupez la mèche.", "url": "https://shop.example/c"},
        "mug": {"fr": "Lavez à la main."},
    }
    page = staff_client.get("/app/flows/settings/").content.decode()
    assert 'name="guides-0-product_type"' in page and 'value="Candle"' in page and "Coupez la mèche." in page
    assert 'name="guides-3-product_type"' in page  # two empty rows under the two guides
    assert "JSON" not in page

    emptied = {"product_type": "", "en": "", "fr": ""}
    assert (
        staff_client.post(
            "/app/flows/settings/", settings_post(emptied, {"product_type": "mug", "fr": "Lavez."})
        ).status_code
        == 302
    )
    assert flow_settings_get(merchant=merchant).product_guides == {"mug": {"fr": "Lavez."}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("guides", "message"),
    [
        ([{"product_type": "candle"}], "Write the guide in at least one language."),
        ([{"en": "Trim the wick."}], "Name the product type this guide is for."),
        ([{"product_type": "candle", "en": "a"}, {"product_type": "Candle ", "fr": "b"}], "candle appears twice"),
        ([{"product_type": "candle", "en": "a", "url": "javascript:alert(1)"}], "Enter a valid URL."),
        ([{"product_type": "candle", "en": "a", "url": "ftp://files.example.com/guide"}], "starting with https://"),
    ],
)
def test_bad_product_guides_are_refused_and_keep_the_old_values(staff_client, merchant, guides, message):
    from flows.services import flow_settings_get

    staff_client.post("/app/flows/settings/", settings_post({"product_type": "mug", "en": "Hand wash."}))
    response = staff_client.post("/app/flows/settings/", settings_post(*guides, marketing_daily_cap="3"))
    assert response.status_code == 400 and message in response.content.decode()
    saved = flow_settings_get(merchant=merchant)
    assert (saved.product_guides, saved.marketing_daily_cap) == ({"mug": {"en": "Hand wash."}}, 1)


@pytest.mark.django_db
def test_settings_without_the_guides_management_form_are_refused(staff_client, merchant):
    data = {key: value for key, value in settings_post().items() if not key.startswith("guides-")}
    response = staff_client.post("/app/flows/settings/", {**data, "marketing_daily_cap": "3"})
    assert response.status_code == 400
    from flows.services import flow_settings_get

    assert flow_settings_get(merchant=merchant).marketing_daily_cap == 1


@pytest.mark.django_db
def test_other_settings_are_saved_and_bad_domains_refused(staff_client, merchant):
    from flows.services import flow_settings_get

    refused = staff_client.post(
        "/app/flows/settings/", settings_post(allowed_link_domains="https://blog.example.com/x")
    )
    assert refused.status_code == 400 and "bare domain names" in refused.content.decode()
    saved = staff_client.post(
        "/app/flows/settings/",
        settings_post(marketing_daily_cap="2", late_tolerance_hours="48", allowed_link_domains="blog.example.com"),
    )
    assert saved.status_code == 302
    settings = flow_settings_get(merchant=merchant)
    assert (settings.marketing_daily_cap, settings.allowed_link_domains) == (2, ["blog.example.com"])


@pytest.mark.django_db
def test_viewers_read_but_cannot_edit(client, merchant, flows):
    journey, welcome = flows
    viewer = UserFactory(email="viewer@example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=viewer, role=Role.VIEWER)
        data = step_post(welcome)
    login_as(client, viewer, merchant)
    assert client.get(f"/app/flows/{journey.pk}/steps/{welcome.pk}/").status_code == 200
    assert client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/", data).status_code == 403
    assert client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/test/", {"language": "en"}).status_code == 403


@pytest.mark.django_db
def test_another_merchants_flows_are_not_found(client, merchant, other_merchant, flows):
    journey, welcome = flows
    stranger = UserFactory(email="stranger@example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=stranger, role=Role.OWNER)
    login_as(client, stranger, other_merchant)
    for url in (f"/app/flows/{journey.pk}/", f"/app/flows/{journey.pk}/steps/{welcome.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/app/flows/{journey.pk}/steps/{welcome.pk}/delete/").status_code == 404
    with merchant_scope(merchant):
        assert FlowStep.objects.filter(pk=welcome.pk).exists()


def test_skip_reasons_are_labelled_in_the_staff_members_language():
    from django.utils import translation

    from flows.selectors import skip_reason_label

    with translation.override("fr"):
        assert skip_reason_label("frequency_cap") == "Limite quotidienne d’e-mails marketing"
        assert skip_reason_label("order_cancelled") == "La commande a été annulée"
    assert skip_reason_label("frequency_cap") == "Daily limit of marketing emails"
    assert skip_reason_label("something_new") == "something_new"
