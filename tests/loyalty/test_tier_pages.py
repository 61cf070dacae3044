"""The tiers editor, the members' tier filter, the portal's tier and progress, the tier-reached email."""

from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.test import Client

from core.event_kinds import event_kinds
from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowStep
from flows.services import StepInput, default_flows_install, step_input_errors
from loyalty import tiers
from loyalty.models import MembershipSettings, Tier
from merchants.models import Role
from portal import links
from tests.factories import CustomerFactory
from tests.flows.helpers import publish_pending

from .test_pages import member
from .test_perks import perks_set
from .test_tiers import grant, program_with_tiers

pytestmark = pytest.mark.django_db
URL = "/app/loyalty/settings/tiers/"
RULES = {
    "tier_basis": "points",
    "tier_period": "calendar_year",
    "bonus_order_number": "3",
    "bonus_points": "200",
    "birthday_points": "100",
    "members_only": "on",
}


def tier_rows(*rows, initial=0):
    data = {"tiers-TOTAL_FORMS": str(len(rows)), "tiers-INITIAL_FORMS": str(initial)}
    for n, row in enumerate(rows):
        data.update({f"tiers-{n}-{key}": value for key, value in row.items()})
    return data


SILVER = {"name_en": "Silver", "name_fr": "Argent", "threshold": "100", "multiplier": "1", "entry_points": "50"}
GOLD = {"name_en": "Gold", "name_fr": "Or", "threshold": "300", "multiplier": "1.25", "entry_points": "0"}


def saved(merchant) -> list[tuple]:
    with merchant_scope(merchant):
        return list(Tier.objects.order_by("threshold").values_list("name_en", "threshold", "multiplier"))


def test_admins_add_edit_and_remove_tiers_with_the_perks(staff_client, merchant):
    assert staff_client.get(URL).status_code == 200
    assert staff_client.post(URL, {**RULES, **tier_rows(SILVER, GOLD, {})}).status_code == 302
    assert [(name, threshold) for name, threshold, _m in saved(merchant)] == [("Silver", 100), ("Gold", 300)]
    with merchant_scope(merchant):
        rules = MembershipSettings.objects.get()
        silver, gold = Tier.objects.order_by("threshold")
    assert (rules.bonus_order_number, rules.bonus_points, rules.birthday_points, rules.members_only) == (
        3,
        200,
        100,
        True,
    )
    page = staff_client.get(URL).content.decode()
    assert 'value="Argent"' in page and "tiers-1-DELETE" in page
    # Swap the thresholds' order by editing both (the unique threshold is checked at the end), remove none.
    edit = tier_rows(
        {**SILVER, "id": silver.pk, "threshold": "200"}, {**GOLD, "id": gold.pk, "threshold": "400"}, {}, initial=2
    )
    assert staff_client.post(URL, {**RULES, **edit}).status_code == 302
    assert [threshold for _n, threshold, _m in saved(merchant)] == [200, 400]
    remove = tier_rows(
        {**SILVER, "id": silver.pk, "threshold": "200", "DELETE": "on"}, {**GOLD, "id": gold.pk}, initial=2
    )
    assert staff_client.post(URL, {**RULES, **remove}).status_code == 302
    assert [name for name, _t, _m in saved(merchant)] == ["Gold"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((GOLD, SILVER), "each threshold above the one before"),
        ((SILVER, {**GOLD, "threshold": "100"}), "each threshold above the one before"),
        ((SILVER, {**GOLD, "name_en": "silver"}), "Another tier has this name."),
        ((SILVER, {**GOLD, "name_fr": "Argent"}), "Another tier has this name."),
        (({**SILVER, "multiplier": "0.5"},), "greater than or equal to 1"),
        (({**SILVER, "multiplier": "11"},), "less than or equal to 10"),
        (({**SILVER, "multiplier": "abc"},), "Enter a number."),
        (({**SILVER, "threshold": "0"},), "greater than or equal to 1"),
        (({**SILVER, "name_en": ""},), "This field is required."),
    ],
)
def test_bad_tiers_are_refused_and_nothing_changes(staff_client, merchant, rows, message):
    response = staff_client.post(URL, {**RULES, **tier_rows(*rows)})
    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert saved(merchant) == []
    with merchant_scope(merchant):
        assert not MembershipSettings.objects.exists()


def test_bad_perks_are_refused(staff_client, merchant):
    response = staff_client.post(URL, {**RULES, "bonus_points": "0", **tier_rows(SILVER)})
    assert response.status_code == 400 and "Give the bonus points" in response.content.decode()
    response = staff_client.post(URL, {**RULES, "tier_period": "forever", **tier_rows(SILVER)})
    assert response.status_code == 400 and saved(merchant) == []


def test_another_shops_tier_cannot_be_edited_or_removed(staff_client, merchant, other_merchant):
    program_with_tiers(other_merchant)
    with merchant_scope(other_merchant):
        theirs = Tier.objects.get(name_en="Silver")
    for row in ({**SILVER, "id": theirs.pk}, {**SILVER, "id": theirs.pk, "DELETE": "on"}):
        response = staff_client.post(URL, {**RULES, **tier_rows(row, initial=1)})
        assert response.status_code == 400 and "reload the page" in response.content.decode()
    with merchant_scope(other_merchant):
        assert Tier.objects.get(pk=theirs.pk).name_en == "Silver"
    assert saved(merchant) == []


def test_viewers_read_the_tiers_but_cannot_change_them(client, merchant):
    program_with_tiers(merchant)
    viewer = member(client, merchant, Role.VIEWER)
    page = viewer.get(URL)
    assert page.status_code == 200 and "Silver / Argent" in page.content.decode()
    assert viewer.post(URL, {**RULES, **tier_rows(GOLD)}).status_code == 403
    assert len(saved(merchant)) == 2


def test_the_members_list_filters_by_tier(staff_client, merchant, other_merchant, customer, django_assert_num_queries):
    found = program_with_tiers(merchant)
    with merchant_scope(merchant):
        plain = CustomerFactory(merchant=merchant, email="plain@example.org")
    grant(merchant, customer, 150, "review:1")
    grant(merchant, plain, 20, "review:2")
    tiers.tiers_evaluate(merchant)
    staff_client.get("/app/loyalty/", {"tier": found["Silver"].pk})
    with django_assert_num_queries(7):  # user, memberships, tier, settings, tiers, count, page
        html = staff_client.get("/app/loyalty/", {"tier": found["Silver"].pk}).content.decode()
    assert "camille@example.org" in html and "plain@example.org" not in html and "1 member" in html
    assert "No member matches." in staff_client.get("/app/loyalty/", {"tier": found["Gold"].pk}).content.decode()
    program_with_tiers(other_merchant)
    with merchant_scope(other_merchant):
        theirs = Tier.objects.first()
    for bad in (str(theirs.pk), "abc", "99999999999"):
        response = staff_client.get("/app/loyalty/", {"tier": bad})
        assert response.status_code == 400 and "This tier does not exist" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Your tier",
                "Silver",
                "120 points to Gold",
                "Yours until at least: ",
                "Your birthday",
                "Reward for reaching Silver",
            ],
        ),
        (
            "fr",
            [
                "Votre niveau",
                "Argent",
                "120 points avant Or",
                "Acquis au moins jusqu’à cette date\u00a0: ",
                "Récompense pour le niveau Argent",
            ],
        ),
    ],
)
def test_the_portal_shows_the_tier_and_the_progress_to_the_next(merchant, customer, language, words):
    program_with_tiers(merchant)
    grant(merchant, customer, 180, "review:1")
    tiers.tiers_evaluate(merchant)
    html = unescape(Client().get(f"/points/{links.customer_token(customer)}/?lang={language}").content.decode())
    for word in words:
        assert word in html, word


def test_the_portal_shows_the_amount_left_to_spend(merchant, customer):
    program_with_tiers(merchant, basis="amount")
    html = unescape(Client().get(f"/points/{links.customer_token(customer)}/?lang=fr").content.decode())
    assert "Encore 100,00\u00a0€ à dépenser pour atteindre Argent" in html


# --- The email and the catalogue ---------------------------------------------------------------------------


def test_tier_changes_are_offered_to_webhooks_and_reaching_one_is_an_email_only():
    offered = {entry.kind for entry in event_kinds(webhook=True)}
    assert "loyalty.tier_changed" in offered and "loyalty.tier_reached" not in offered


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        (
            "fr",
            "Bienvenue au niveau Or chez Maison Lumière",
            ["Points sur vos commandes\u00a0: ×1,25.", "cette date\u00a0: <strong>jeu. 31 déc.</strong>"],
        ),
        (
            "en",
            "Welcome to Gold at Maison Lumière",
            ["Points on your orders: ×1.25.", "until: <strong>Thu, Dec 31</strong>"],
        ),
    ],
)
def test_reaching_a_tier_emails_the_customer_once(merchant, customer, language, subject, words):
    default_flows_install(merchant=merchant)
    program_with_tiers(merchant)
    with merchant_scope(merchant):
        customer.language = language
        customer.save()
    moment = datetime(2026, 3, 2, 12, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        grant(merchant, customer, 350, "review:1")
        tiers.tiers_evaluate(merchant)
        tiers.tiers_evaluate(merchant)
        mail.outbox.clear()
        publish_pending(merchant)
        dispatch_due()
    # The review's points have their own email; the tier's entry reward none besides the tier's.
    [email] = [sent for sent in mail.outbox if unescape(sent.subject) == subject]
    assert len(mail.outbox) == 2
    body = unescape(next(content for content, kind in email.alternatives if kind == "text/html"))
    for word in words:
        assert word in body, body
    assert "/points/" in body


def test_the_flow_is_installed_and_its_templates_validate(merchant):
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        flow = Flow.objects.get(key="loyalty-tier-reached")
        [step] = FlowStep.objects.filter(flow=flow).prefetch_related("templates")
    assert flow.event_kind == "loyalty.tier_reached"
    templates = {
        t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
        for t in step.templates.all()
    }
    assert set(templates) == {"en", "fr"}
    data = StepInput(name=step.name, delay_days=0, stop_rules=step.stop_rules, templates=templates)
    assert step_input_errors(merchant, data) == {}


def test_existing_shops_get_the_flow_once(merchant):
    from importlib import import_module

    default_flows_install(merchant=merchant)
    install = import_module("loyalty.migrations.0008_tier_reached_flow").install_tier_flow
    with merchant_scope(merchant):
        Flow.objects.filter(key="loyalty-tier-reached").delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        assert Flow.objects.filter(key="loyalty-tier-reached").count() == 1


def test_perks_helper_is_shared(merchant):
    perks_set(merchant, birthday_points=5)
    with merchant_scope(merchant):
        assert MembershipSettings.objects.get().birthday_points == 5
