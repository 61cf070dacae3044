"""Staff pages under /app/shop-actions/: the list, an action, retry and confirm; roles and isolation."""

import pytest
from django.utils import translation

from core.scoping import merchant_scope, unscoped
from merchants.models import Role
from shop_actions import services
from shop_actions.adapters import NeedsStaffError, PermanentShopError, TransientShopError
from shop_actions.models import ShopAction, ShopActionKind, ShopActionStatus
from tests.conftest import login_as
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .conftest import ask, refund_payload

pytestmark = pytest.mark.django_db

Status = ShopActionStatus
INDEX = "/app/shop-actions/"


def staff(merchant, client, role):
    user = UserFactory(email=f"{role}@example.com", full_name=f"Sam {role}")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


def performed(merchant, fake_shop, outcome=None, **ask_kwargs):
    """An action after its first attempt; `outcome` is what the shop does (an error), else success."""
    action = ask(merchant, **ask_kwargs)
    if outcome is not None:
        fake_shop.then(outcome)
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    return reload(action)


def reload(action) -> ShopAction:
    with unscoped():
        return ShopAction.objects.get(pk=action.pk)


def detail_url(action, suffix=""):
    return f"{INDEX}{action.pk}/{suffix}"


def test_the_section_is_in_the_navigation(staff_client):
    page = staff_client.get("/").text
    assert f'href="{INDEX}"' in page and "Shop actions" in page
    assert page.index("Analytics") < page.index("Shop actions") < page.index("Settings")


def test_the_list_shows_newest_first_with_status_attempts_and_last_error(staff_client, merchant, order, fake_shop):
    performed(merchant, fake_shop, key="rma-1:refund", order=order)
    performed(merchant, fake_shop, PermanentShopError("Refund exceeds the amount paid."), key="rma-2:refund")
    performed(merchant, fake_shop, TransientShopError("HTTP 503 from the shop."), key="rma-3:refund")
    response = staff_client.get(INDEX)
    assert response.status_code == 200
    text = response.text
    assert text.count("return:RMA-1042") == 3
    assert "Refund exceeds the amount paid." in text and "HTTP 503 from the shop." in text
    assert "€12.50" in text and "#1042" in text
    rows = [text.index(label) for label in ("HTTP 503", "Refund exceeds", "#1042")]
    assert rows == sorted(rows)  # newest first


def test_the_list_filters_by_status_and_ignores_a_filter_it_does_not_know(staff_client, merchant, fake_shop):
    performed(merchant, fake_shop, key="done:refund")
    performed(merchant, fake_shop, PermanentShopError("Refused by the shop."), key="refused:refund")
    failed = staff_client.get(INDEX, {"status": "failed"}).text
    assert "Refused by the shop." in failed and failed.count(f'href="{INDEX}') == 1 + 1  # nav + one row
    waiting = staff_client.get(INDEX, {"status": "waiting_for_staff"}).text
    assert "No action has this status." in waiting
    unknown = staff_client.get(INDEX, {"status": "lost"})
    assert unknown.status_code == 200
    assert "not understood" in unknown.text and unknown.text.count(f'href="{INDEX}') == 1 + 2


@pytest.mark.parametrize("amount", ["twelve", "NaN", "1e40", None, ["12.50"]])
def test_a_payload_without_a_readable_amount_shows_none(staff_client, merchant, fake_shop, amount):
    ask(merchant, payload={"amount": amount, "currency": "EUR"})
    response = staff_client.get(INDEX)
    assert response.status_code == 200 and "return:RMA-1042" in response.text
    assert "€" not in response.text


def test_the_empty_list_says_what_will_appear(staff_client):
    assert "Nothing was asked of the shop yet." in staff_client.get(INDEX).text


def test_list_query_count_is_fixed(staff_client, merchant, order, fake_shop, django_assert_num_queries):
    performed(merchant, fake_shop, key="first:refund", order=order)
    staff_client.get(INDEX)
    # session, user, membership, the layout's merchant switcher, count, page of actions with their orders
    with django_assert_num_queries(4):
        staff_client.get(INDEX)
    for n in range(20):
        performed(merchant, fake_shop, key=f"more-{n}:refund", order=order)
    with django_assert_num_queries(4):
        assert staff_client.get(INDEX).text.count("#1042") == 21


def test_the_list_pages_by_25(staff_client, merchant, fake_shop):
    for n in range(27):
        ask(merchant, key=f"page-{n}:refund")
    first = staff_client.get(INDEX, {"status": "pending"}).text
    assert "Page 1 of 2" in first and "page=2&amp;status=pending" in first
    second = staff_client.get(INDEX, {"status": "pending", "page": 2}).text
    assert second.count(f'href="{INDEX}') == 1 + 2


def test_the_action_page_shows_request_answer_and_error(staff_client, merchant, fake_shop):
    done = performed(merchant, fake_shop, key="rma-9:refund")
    text = staff_client.get(detail_url(done)).text
    assert "gid://fake/Refund/1" in text and "&quot;amount&quot;: &quot;12.50&quot;" in text
    assert "rma-9:refund" in text and "Try again" not in text
    refused = performed(merchant, fake_shop, PermanentShopError("Refund exceeds <b>paid</b>."), key="rma-10:refund")
    text = staff_client.get(detail_url(refused)).text
    assert "Refund exceeds &lt;b&gt;paid&lt;/b&gt;." in text  # the shop's words, escaped
    assert "Try again" in text and "No answer yet." in text


def test_an_agent_retries_a_failed_action(client, merchant, fake_shop, django_capture_on_commit_callbacks):
    refused = performed(merchant, fake_shop, PermanentShopError("The shop was in maintenance."))
    agent = staff(merchant, client, Role.AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(detail_url(refused, "retry/"))
    assert response.status_code == 302 and response.url == detail_url(refused)
    assert reload(refused).status == Status.SUCCEEDED
    assert "The action is being tried again." in agent.get(response.url).text


def test_retrying_an_action_that_did_not_fail_is_refused_and_changes_nothing(client, merchant, fake_shop):
    done = performed(merchant, fake_shop)
    agent = staff(merchant, client, Role.AGENT)
    response = agent.post(detail_url(done, "retry/"))
    assert response.status_code == 409
    assert "Only a failed action can be tried again; this one is “Done”." in response.text
    after = reload(done)
    assert (after.status, after.attempt_count, after.result) == (done.status, done.attempt_count, done.result)
    assert agent.get(detail_url(done, "retry/")).status_code == 405
    assert len(fake_shop.calls) == 1


def test_an_agent_confirms_an_action_done_by_hand(client, merchant, fake_shop, finished):
    waiting = performed(merchant, fake_shop, NeedsStaffError("Issue the gift card in the shop's admin."))
    agent = staff(merchant, client, Role.AGENT)
    page = agent.get(detail_url(waiting)).text
    assert "To do in the shop:" in page and "Issue the gift card in the shop&#x27;s admin." in page
    response = agent.post(detail_url(waiting, "confirm/"), {"reference": " GC-4411 ", "note": "Sent by email"})
    assert response.status_code == 302
    done = reload(waiting)
    assert done.status == Status.SUCCEEDED
    assert done.result == {"reference": "GC-4411", "note": "Sent by email", "confirmed_by_staff": True}
    assert done.completed_by.email == "agent@example.com"
    assert "confirmed by Sam agent" in agent.get(detail_url(done)).text
    assert finished == [(done.pk, Status.SUCCEEDED)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the reference the shop shows"),
        ({"reference": "   "}, "Enter the reference the shop shows"),
        ({"reference": "R" * 121}, "at most 120 characters"),
        ({"reference": "R-1", "note": "n" * 501}, "at most 500 characters"),
    ],
)
def test_bad_confirm_input_is_refused_with_a_reason_and_changes_nothing(client, merchant, fake_shop, data, message):
    waiting = performed(merchant, fake_shop, NeedsStaffError("Do it by hand."))
    agent = staff(merchant, client, Role.AGENT)
    response = agent.post(detail_url(waiting, "confirm/"), data)
    assert response.status_code == 400
    assert message in response.text
    after = reload(waiting)
    assert (after.status, after.result, after.completed_by) == (Status.WAITING_FOR_STAFF, {}, None)


def test_confirming_an_action_that_does_not_wait_is_refused(client, merchant, fake_shop):
    refused = performed(merchant, fake_shop, PermanentShopError("No."))
    agent = staff(merchant, client, Role.AGENT)
    response = agent.post(detail_url(refused, "confirm/"), {"reference": "R-1"})
    assert response.status_code == 409
    assert "Only an action waiting for staff can be confirmed" in response.text
    assert reload(refused).status == Status.FAILED


def test_viewers_read_but_cannot_act(client, merchant, fake_shop):
    refused = performed(merchant, fake_shop, PermanentShopError("No."), key="a:refund")
    waiting = performed(merchant, fake_shop, NeedsStaffError("By hand."), key="b:refund")
    viewer = staff(merchant, client, Role.VIEWER)
    assert viewer.get(INDEX).status_code == 200
    refused_page, waiting_page = viewer.get(detail_url(refused)), viewer.get(detail_url(waiting))
    assert refused_page.status_code == waiting_page.status_code == 200
    assert "Try again" not in refused_page.text and "Confirm as done" not in waiting_page.text
    assert viewer.post(detail_url(refused, "retry/")).status_code == 403
    assert viewer.post(detail_url(waiting, "confirm/"), {"reference": "R-1"}).status_code == 403
    assert (reload(refused).status, reload(waiting).status) == (Status.FAILED, Status.WAITING_FOR_STAFF)


def test_signed_out_visitors_are_sent_to_log_in(client, merchant, fake_shop):
    action = performed(merchant, fake_shop, PermanentShopError("No."))
    for url in (INDEX, detail_url(action)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url
    assert client.post(detail_url(action, "retry/")).status_code == 302
    assert reload(action).status == Status.FAILED


def test_another_merchants_action_is_not_found(staff_client, merchant, fake_shop):
    other = MerchantFactory()
    refused = performed(other, fake_shop, PermanentShopError("Refused: theirs-secret."), key="theirs:refund")
    waiting = performed(other, fake_shop, NeedsStaffError("By hand: theirs-secret."), key="theirs:credit")
    for action, method, suffix, data in (
        (refused, "get", "", None),
        (refused, "post", "retry/", {}),
        (waiting, "get", "", None),
        (waiting, "post", "confirm/", {"reference": "x"}),
    ):
        response = getattr(staff_client, method)(detail_url(action, suffix), data)
        assert response.status_code == 404
        assert "theirs-secret" not in response.text
    assert "theirs-secret" not in staff_client.get(INDEX).text
    assert (reload(refused).status, reload(waiting).status) == (Status.FAILED, Status.WAITING_FOR_STAFF)
    assert len(fake_shop.calls) == 2


def test_pages_speak_french(client, merchant, fake_shop):
    waiting = performed(merchant, fake_shop, NeedsStaffError("À faire à la main."), kind=ShopActionKind.STORE_CREDIT)
    person = UserFactory(email="camille@example.com", language="fr")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=person, role=Role.AGENT)
    french = login_as(client, person, merchant)
    listing = french.get(INDEX).text
    assert "Actions boutique" in listing and "Avoir ou carte cadeau" in listing and "En attente de l’équipe" in listing
    assert "12,50\u00a0€" in listing  # the payload's amount, as French writes it
    detail = french.get(detail_url(waiting)).text
    assert "Confirmer comme fait" in detail and "Référence dans la boutique" in detail
    with translation.override("fr"):
        assert str(ShopActionKind.EXCHANGE_ORDER.label) == "Commande d’échange"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Refund €12.50 on order #1042"), ("fr", "Remboursez 12,50\u00a0€ sur la commande #1042")],
)
def test_a_manual_actions_instructions_are_in_the_readers_language(client, order, language, expected):
    """Stored in the shop's language when the action stopped; each teammate reads them in their own."""
    from shop_actions.adapters import MANUAL

    french_shop = order.merchant
    french_shop.default_language = "fr"
    french_shop.save()
    action = services.shop_action_request(
        merchant=french_shop,
        kind=ShopActionKind.REFUND,
        platform=MANUAL,
        key="return:RMA-1042:refund",
        payload={**refund_payload(), "order_number": "#1042"},
        order=order,
    )
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    assert reload(action).status == Status.WAITING_FOR_STAFF and reload(action).last_error.startswith("Rembours")
    user = UserFactory(email=f"{language}@example.com", language=language)
    with merchant_scope(french_shop):
        MembershipFactory(merchant=french_shop, user=user, role=Role.AGENT)
    login_as(client, user, french_shop)
    for page in (client.get(INDEX).text, client.get(detail_url(action)).text):
        assert expected in page.replace("&nbsp;", "\u00a0").replace("&#x27;", "'")
