"""Referrals: the invitation page, abuse checks, the welcome code through shop actions, attribution by
the friend's order, the referrer's pending points, their reversal and completion, and the staff pages."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.rate_limits import RateLimit
from core.scoping import merchant_scope, unscoped
from flows.models import ScheduledMessage
from flows.services import default_flows_install
from loyalty import referral_views, referrals, services
from loyalty.models import (
    BlockReason,
    EntryKind,
    PointsEntry,
    Referral,
    ReferralLink,
    ReferralStatus,
    Source,
)
from merchants.models import Role
from orders.events import event_record, events_publish_pending
from orders.models import OrderEvent
from orders.services import order_cancel, refund_record
from shop_actions import services as shop_actions
from shop_actions.models import ShopAction, ShopActionStatus
from tests.conftest import login_as
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, UserFactory

from .conftest import entries_of

PLACED = datetime.now(UTC) - timedelta(days=2)
CONTRACT_KEYS = {
    "code",
    "title",
    "value_type",
    "value",
    "currency",
    "customer_external_id",
    "email",
    "usage_limit",
    "starts_at",
    "ends_at",
    "minimum_subtotal",
}


@pytest.fixture
def shop(merchant, program):
    """Loyalty and referrals on: 500 points per friend, 10 % off for the friend, 2 friends a month."""
    referrals.referral_settings_update(
        merchant=merchant,
        enabled=True,
        referrer_points=500,
        friend_value_type="percentage",
        friend_value=Decimal("10"),
        minimum_subtotal=None,
        monthly_cap=2,
    )
    default_flows_install(merchant=merchant)
    return merchant


@pytest.fixture
def referrer(shop):
    with merchant_scope(shop):
        camille = CustomerFactory(
            merchant=shop, email="camille@example.org", first_name="Camille", phone="+33 6 12 34 56 78"
        )
        OrderFactory(
            merchant=shop,
            customer=camille,
            placed_at=PLACED - timedelta(days=60),
            shipping_address1="12 rue de la Paix",
            shipping_postal_code="75002",
            shipping_country="FR",
        )
    return camille


@pytest.fixture
def link(referrer):
    return referrals.referral_link_for(referrer)


def invite_url(link, merchant=None):
    slug = (merchant or link.merchant).slug
    return reverse("referral-invite", kwargs={"merchant_slug": slug, "code": link.code})


def invite(client, link, email, *, ip="203.0.113.7", lang="en"):
    return client.post(f"{invite_url(link)}?lang={lang}", {"email": email}, REMOTE_ADDR=ip)


def rows(merchant, model, **filters):
    with merchant_scope(merchant):
        return list(model.objects.filter(merchant=merchant, **filters).order_by("id"))


def confirm_code(merchant, referral):
    """The shop's answer, as staff confirm a manual shop's action (the platform adapters are another app's)."""
    with merchant_scope(merchant):
        action = ShopAction.objects.get(merchant=merchant, key=f"referral:welcome:{referral.pk}")
    shop_actions.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)  # manual: waits for staff
    action.refresh_from_db()
    assert action.status == ShopActionStatus.WAITING_FOR_STAFF
    shop_actions.shop_action_confirm(
        action=action, result={"shop_reference": "coupon-1", "code": referral.welcome_code}
    )
    events_publish_pending()
    referral.refresh_from_db()
    return action


def friend_order(merchant, code, *, email="lou@example.org", customer=None, placed_at=PLACED, **fields):
    with merchant_scope(merchant):
        if customer is None:
            customer = CustomerFactory(merchant=merchant, email=email, first_name="Lou", phone="")
        order = OrderFactory(
            merchant=merchant,
            customer=customer,
            email=email,
            placed_at=placed_at,
            total=Decimal("80.00"),
            discount_codes=[{"code": code.lower(), "amount": "8.00", "type": "percentage"}],
            **{"shipping_address1": "3 avenue Foch", **fields},
        )
        event_record(merchant=merchant, kind="order.created", order=order, payload={"order_id": order.pk})
    events_publish_pending()
    return order


def sent_referral(client, merchant, link, email="lou@example.org"):
    assert invite(client, link, email).status_code == 200
    referral = rows(merchant, Referral, friend_email=email)[0]
    confirm_code(merchant, referral)
    return referral


# --- The invitation page ------------------------------------------------------------------------


def test_a_member_keeps_one_unguessable_code(referrer):
    first, again = referrals.referral_link_for(referrer), referrals.referral_link_for(referrer)
    assert first.pk == again.pk and len(first.code) == 8
    assert set(first.code) <= set(referrals.CODE_ALPHABET)


def test_the_page_names_the_referrer_and_the_offer_in_both_languages(client, link):
    english = client.get(f"{invite_url(link)}?lang=en")
    french = client.get(f"{invite_url(link)}?lang=fr")
    assert english.status_code == french.status_code == 200
    assert "Camille invites you to Maison Lumière" in english.content.decode()
    assert "10% off" in english.content.decode()
    assert "Camille vous invite chez Maison Lumière" in french.content.decode()


def test_a_friend_gets_one_code_asked_of_the_shop_never_shown_on_the_page(client, shop, link):
    response = invite(client, link, "Lou@Example.org")

    assert response.status_code == 200
    (referral,) = rows(shop, Referral)
    assert (referral.status, referral.friend_email, referral.referrer_id) == (
        ReferralStatus.CODE_REQUESTED,
        "lou@example.org",
        link.customer_id,
    )
    assert referral.welcome_code.startswith("WELCOME-") and referral.welcome_code not in response.content.decode()
    (action,) = rows(shop, ShopAction)
    assert action.kind == "discount_code" and action.key == f"referral:welcome:{referral.pk}"
    assert set(action.payload) == CONTRACT_KEYS
    assert action.payload["code"] == referral.welcome_code
    assert action.payload["title"] == "Referral welcome: 10% off (Camille M.'s friend)"
    assert (action.payload["currency"], action.payload["customer_external_id"]) == ("EUR", "")
    assert (action.payload["value_type"], action.payload["value"], action.payload["usage_limit"]) == (
        "percentage",
        "10",
        1,
    )
    assert (action.payload["email"], action.payload["ends_at"], action.payload["minimum_subtotal"]) == (
        "lou@example.org",
        None,
        None,
    )
    assert action.customer_id == referral.friend_id


def test_the_same_friend_twice_gets_one_code(client, shop, link, referrer):
    other = referrals.referral_link_for(CustomerFactory(merchant=shop, email="noe@example.org"))
    assert invite(client, link, "lou@example.org").status_code == 200
    assert invite(client, link, "LOU@example.org ").status_code == 200
    assert client.post(invite_url(other), {"email": "lou@example.org"}, REMOTE_ADDR="198.51.100.1").status_code == 200

    assert len(rows(shop, Referral)) == 1
    assert len(rows(shop, ShopAction)) == 1


def test_the_welcome_code_is_emailed_once_the_shop_made_it(client, shop, link):
    invite(client, link, "lou@example.org", lang="fr")
    (referral,) = rows(shop, Referral)
    confirm_code(shop, referral)

    assert referral.status == ReferralStatus.SENT
    with unscoped():
        (event,) = OrderEvent.objects.filter(kind="referral.invited")
        (message,) = ScheduledMessage.objects.filter(anchor_key=f"referral:{referral.pk}")
    assert (event.customer_id, event.payload["welcome_code"]) == (referral.friend_id, referral.welcome_code)
    assert message.customer_id == referral.friend_id and message.step.flow.key == "referral-welcome"
    assert referral.friend.language == "fr"


def test_a_welcome_code_the_shop_never_made_is_shown_to_staff(client, staff_client, shop, link):
    invite(client, link, "lou@example.org")
    (referral,) = rows(shop, Referral)
    (action,) = rows(shop, ShopAction)
    with merchant_scope(shop):
        shop_actions._outcome_record(
            action_id=action.pk,
            claim_token=action.claim_token,
            outcome=shop_actions.Outcome(ShopActionStatus.FAILED, error="Coupon refused"),
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CODE_FAILED
    page = staff_client.get(reverse("loyalty:referrals") + "?status=code_failed")
    assert page.status_code == 200 and "lou@example.org" in page.content.decode()
    with unscoped():
        assert not OrderEvent.objects.filter(kind="referral.invited").exists()


def test_another_apps_discount_code_is_left_alone(shop, referrer):
    with merchant_scope(shop):
        action = shop_actions.shop_action_request(
            merchant=shop,
            kind="discount_code",
            platform="manual",
            key="loyalty:redemption:1",
            payload={"code": "PTS-7K4M-Q2XR"},
        )
    referrals.welcome_code_finished(action)  # no referral named: nothing happens, nothing raised


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter your email address"), ("lou@", "Enter a whole email address"), ("a" * 250 + "@x.org", "")],
)
def test_bad_email_is_refused_and_nothing_is_stored(client, shop, link, email, message):
    response = invite(client, link, email)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert rows(shop, Referral) == [] and rows(shop, ShopAction) == []


def test_another_shops_link_or_an_unknown_code_is_a_404(client, shop, link, other_merchant):
    assert client.get(invite_url(link, other_merchant)).status_code == 404
    assert client.post(invite_url(link, other_merchant), {"email": "lou@example.org"}).status_code == 404
    unknown = reverse("referral-invite", kwargs={"merchant_slug": shop.slug, "code": "AAAAAAAA"})
    assert client.get(unknown).status_code == 404
    too_long = reverse("referral-invite", kwargs={"merchant_slug": shop.slug, "code": link.code + "X"})
    assert client.get(too_long).status_code == 404
    assert rows(shop, Referral) == []


def test_no_invitation_page_while_referrals_are_off(client, shop, link):
    referrals.referral_settings_update(merchant=shop, enabled=False)
    assert client.get(invite_url(link)).status_code == 404


def test_a_member_cannot_invite_themself(client, shop, link):
    for _attempt in range(2):
        response = invite(client, link, "Camille@example.org")
        assert response.status_code == 400
        assert "This is your own invitation link" in response.content.decode()
    (blocked,) = rows(shop, Referral)
    assert (blocked.status, blocked.block_reason) == (ReferralStatus.BLOCKED, BlockReason.SAME_EMAIL)
    assert rows(shop, ShopAction) == []


def test_a_friend_who_already_ordered_gets_no_code(client, shop, link):
    with merchant_scope(shop):
        OrderFactory(merchant=shop, customer=None, email="lou@example.org")
    response = invite(client, link, "lou@example.org")
    assert response.status_code == 400
    assert "people new to Maison Lumière" in response.content.decode()
    assert [r.block_reason for r in rows(shop, Referral)] == [BlockReason.ALREADY_ORDERED]
    assert rows(shop, ShopAction) == []


def test_a_friend_with_the_referrers_phone_gets_no_code(client, shop, link):
    with merchant_scope(shop):
        CustomerFactory(merchant=shop, email="lou@example.org", phone="06 12 34 56 78")
    assert invite(client, link, "lou@example.org").status_code == 400
    assert [r.block_reason for r in rows(shop, Referral)] == [BlockReason.SAME_PHONE]


def test_a_referrer_past_the_monthly_cap_sends_no_more_codes(client, shop, link):
    for email in ("a@example.org", "b@example.org"):
        referral = sent_referral(client, shop, link, email)
        friend_order(shop, referral.welcome_code, email=email, placed_at=timezone.now())
    response = invite(client, link, "c@example.org", ip="198.51.100.9")
    assert response.status_code == 400 and "cannot be used again this month" in response.content.decode()
    assert rows(shop, Referral, friend_email="c@example.org")[0].block_reason == BlockReason.MONTHLY_CAP


def test_invitations_are_limited_per_visitor(client, shop, link, monkeypatch):
    monkeypatch.setattr(referral_views, "INVITES_PER_CLIENT", RateLimit("test:referral:client", limit=2, window=60))
    assert invite(client, link, "a@example.org").status_code == 200
    assert invite(client, link, "b@example.org").status_code == 200
    response = invite(client, link, "c@example.org")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert len(rows(shop, Referral)) == 2


def test_invitations_are_limited_per_referrer_whatever_the_visitor(client, shop, link, monkeypatch):
    monkeypatch.setattr(referral_views, "INVITES_PER_LINK", RateLimit("test:referral:link", limit=2, window=60))
    for number, ip in enumerate(("203.0.113.1", "203.0.113.2")):
        assert invite(client, link, f"f{number}@example.org", ip=ip).status_code == 200
    assert invite(client, link, "f3@example.org", ip="203.0.113.3").status_code == 429
    assert len(rows(shop, Referral)) == 2


# --- Attribution and the reward --------------------------------------------------------------------


def test_the_friends_order_earns_the_referrer_pending_points_once(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    order = friend_order(shop, referral.welcome_code)
    with merchant_scope(shop):
        event_record(merchant=shop, kind="order.created", order=order, payload={"order_id": order.pk})
    events_publish_pending()  # redelivered

    referral.refresh_from_db()
    assert (referral.status, referral.order_id) == (ReferralStatus.ORDERED, order.pk)
    (reward,) = [e for e in entries_of(shop, referrer) if e.source == Source.REFERRAL]
    assert (reward.kind, reward.pending, reward.available) == (EntryKind.EARNED, 500, 0)
    assert reward.available_on == PLACED + timedelta(days=30)
    assert reward.order_id is None  # the friend's order earns its own points; refunds of it never touch these


def test_the_referral_completes_when_the_points_become_available(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    friend_order(shop, referral.welcome_code)

    for _run in range(2):
        services.points_mature_due(now=PLACED + timedelta(days=31))
        events_publish_pending()

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.completed_at is not None
    with unscoped():
        (event,) = OrderEvent.objects.filter(kind="referral.completed")
        (message,) = ScheduledMessage.objects.filter(anchor_key=f"referral:{referral.pk}:completed")
    assert event.customer_id == referrer.pk and event.payload["points"] == 500
    assert message.customer_id == referrer.pk and message.step.flow.key == "referral-completed"
    with merchant_scope(shop):
        assert services.loyalty_settings(shop).enabled
        assert referrer.pk == PointsEntry.objects.get(pk=referral.reward_id).account.customer_id


def test_without_pending_days_the_referrer_is_rewarded_at_once(client, shop, link, referrer):
    services.loyalty_settings_update(merchant=shop, pending_days=0)
    referral = sent_referral(client, shop, link)
    friend_order(shop, referral.welcome_code)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    with unscoped():
        assert OrderEvent.objects.filter(kind="referral.completed").count() == 1


def test_a_cancelled_friends_order_takes_the_pending_points_back(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    order = friend_order(shop, referral.welcome_code)
    order_cancel(merchant=shop, order=order, reason="customer")
    events_publish_pending()

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVERSED
    with merchant_scope(shop):
        assert services.loyalty_settings(shop).enabled
    account = entries_of(shop, referrer)[-1].account
    assert account.pending == 0 and account.available == 0
    services.points_mature_due(now=PLACED + timedelta(days=31))
    events_publish_pending()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVERSED


def test_only_a_whole_refund_takes_the_referral_back(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    order = friend_order(shop, referral.welcome_code)
    refund_record(merchant=shop, order=order, external_id="r-1", amount=Decimal("20.00"))
    events_publish_pending()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ORDERED

    refund_record(merchant=shop, order=order, external_id="r-2", amount=Decimal("60.00"))
    events_publish_pending()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVERSED
    cancelled = [e for e in entries_of(shop, referrer) if e.key == f"referral:{referral.pk}:reversed"]
    assert [(e.kind, e.pending) for e in cancelled] == [(EntryKind.CANCELLED, -500)]


def test_the_friend_shipping_to_the_referrers_address_is_blocked(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    friend_order(shop, referral.welcome_code, shipping_address1="12, Rue de la Paix", shipping_postal_code="75 002")
    referral.refresh_from_db()
    assert (referral.status, referral.block_reason) == (ReferralStatus.BLOCKED, BlockReason.SAME_ADDRESS)
    assert [e for e in entries_of(shop, referrer) if e.source == Source.REFERRAL] == []


def test_the_friend_with_the_referrers_phone_is_blocked_at_attribution(client, shop, link):
    referral = sent_referral(client, shop, link)
    with merchant_scope(shop):
        lou = CustomerFactory(merchant=shop, email="lou@example.org", phone="0612345678")
    friend_order(shop, referral.welcome_code, customer=lou)
    referral.refresh_from_db()
    assert referral.block_reason == BlockReason.SAME_PHONE


def test_a_friend_who_had_ordered_before_is_blocked_at_attribution(client, shop, link):
    referral = sent_referral(client, shop, link)
    with merchant_scope(shop):
        OrderFactory(merchant=shop, customer=None, email="lou@example.org", placed_at=PLACED - timedelta(days=1))
    friend_order(shop, referral.welcome_code)
    referral.refresh_from_db()
    assert referral.block_reason == BlockReason.ALREADY_ORDERED


def test_the_referrer_using_the_code_themself_is_blocked(client, shop, link, referrer):
    referral = sent_referral(client, shop, link)
    friend_order(shop, referral.welcome_code, customer=referrer, email=referrer.email)
    referral.refresh_from_db()
    assert referral.block_reason == BlockReason.SAME_CUSTOMER


def test_the_monthly_cap_holds_at_attribution(client, shop, link, referrer):
    referrals.referral_settings_update(merchant=shop, monthly_cap=1)
    first = sent_referral(client, shop, link, "a@example.org")
    second = sent_referral(client, shop, link, "b@example.org")  # sent while under the cap
    friend_order(shop, first.welcome_code, email="a@example.org", placed_at=timezone.now())
    friend_order(shop, second.welcome_code, email="b@example.org", placed_at=timezone.now())
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == ReferralStatus.ORDERED
    assert second.block_reason == BlockReason.MONTHLY_CAP


def test_a_welcome_code_used_at_another_shop_links_nothing(client, shop, link, other_merchant):
    referral = sent_referral(client, shop, link)
    friend_order(other_merchant, referral.welcome_code)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.order_id is None


def test_orders_without_a_welcome_code_cost_the_referral_subscriber_no_query(shop, django_assert_num_queries):
    from loyalty.referral_handlers import on_order_created

    with merchant_scope(shop):
        order = OrderFactory(merchant=shop, discount_codes=[{"code": "SPRING10"}])
        event = OrderEvent(merchant=shop, kind="order.created", order=order)
    with django_assert_num_queries(0):
        on_order_created(event)


# --- The customer's loyalty page -------------------------------------------------------------------


def test_the_loyalty_page_offers_the_link_with_share_buttons(client, shop, referrer):
    from portal.links import customer_token

    page = client.get(reverse("portal-points:index", kwargs={"token": customer_token(referrer)}) + "?lang=fr")
    text = page.content.decode()
    with merchant_scope(shop):
        link = ReferralLink.objects.get(customer=referrer)
    assert page.status_code == 200
    assert f"/invite/maison-lumiere/{link.code}/" in text and link.code in text
    assert "mailto:?subject=" in text and "https://wa.me/?text=" in text
    assert "Invitez vos amis" in text


def test_the_loyalty_page_has_no_link_while_referrals_are_off(client, shop, referrer):
    from portal.links import customer_token

    referrals.referral_settings_update(merchant=shop, enabled=False)
    page = client.get(reverse("portal-points:index", kwargs={"token": customer_token(referrer)}))
    assert page.status_code == 200 and "wa.me" not in page.content.decode()
    assert rows(shop, ReferralLink) == []


# --- Staff -------------------------------------------------------------------------------------------


def test_staff_see_referrals_filtered_with_the_figures(client, staff_client, shop, link, other_merchant):
    converted = sent_referral(client, shop, link, "a@example.org")
    friend_order(shop, converted.welcome_code, email="a@example.org")
    invite(client, link, "camille@example.org")
    with merchant_scope(other_merchant):
        theirs = referrals.referral_link_for(CustomerFactory(merchant=other_merchant, email="x@other.example"))
    referrals.referral_settings_update(merchant=other_merchant, enabled=True)
    services.loyalty_settings_update(merchant=other_merchant, enabled=True)
    referrals.referral_invite(link=theirs, email="secret@other.example", language="en")

    page = staff_client.get(reverse("loyalty:referrals"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "a@example.org" in text and "secret@other.example" not in text
    assert page.context["figures"]["sent"] == 1 and page.context["figures"]["converted"] == 1
    assert page.context["figures"]["revenue"] == Decimal("80.00")
    assert page.context["figures"]["by_reason"] == [{"reason": "Same email as the referrer", "count": 1}]
    blocked = staff_client.get(reverse("loyalty:referrals") + "?status=blocked")
    assert [r.block_reason for r in blocked.context["page"].object_list] == [BlockReason.SAME_EMAIL]


def test_an_unknown_status_filter_is_a_400(staff_client, shop):
    page = staff_client.get(reverse("loyalty:referrals") + "?status=bogus")
    assert page.status_code == 400 and "Unknown status" in page.content.decode()


def test_settings_refuse_bad_values_and_viewers(client, staff_client, shop, merchant):
    url = reverse("loyalty:referral-settings")
    bad = {"enabled": "on", "referrer_points": "0", "friend_value_type": "percentage", "friend_value": "150"}
    response = staff_client.post(url, {**bad, "monthly_cap": "5"})
    assert response.status_code == 400
    assert referrals.referral_settings(shop).referrer_points == 500
    good = {
        **bad,
        "referrer_points": "300",
        "friend_value": "5",
        "monthly_cap": "5",
        "friend_value_type": "fixed_amount",
    }
    assert staff_client.post(url, good).status_code == 302
    assert referrals.referral_settings(shop).referrer_points == 300

    viewer = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(shop):
        MembershipFactory(merchant=shop, user=viewer, role=Role.VIEWER)
    login_as(client, viewer, shop)
    assert client.get(url).status_code == 200
    assert client.post(url, good).status_code == 403


# --- Emails --------------------------------------------------------------------------------------------


def delivered() -> list:
    from flows.dispatcher import dispatch_due

    mail.outbox.clear()
    dispatch_due()
    return list(mail.outbox)


def html_of(email) -> str:
    return unescape(next(content for content, mimetype in email.alternatives if mimetype == "text/html"))


def test_the_friend_gets_the_code_in_their_language_and_the_referrer_their_points(client, shop, link, referrer):
    invite(client, link, "lou@example.org", lang="fr")
    (referral,) = rows(shop, Referral)
    confirm_code(shop, referral)
    (welcome,) = delivered()
    assert welcome.to == ["lou@example.org"]
    assert unescape(welcome.subject) == "Camille vous invite chez Maison Lumière\u00a0: 10\u00a0% de réduction"
    assert referral.welcome_code in html_of(welcome) and "Saisissez ce code" in html_of(welcome)

    friend_order(shop, referral.welcome_code)
    services.points_mature_due(now=PLACED + timedelta(days=31))
    events_publish_pending()
    emails = [email for email in delivered() if email.to == ["camille@example.org"]]
    # the referral's thanks only: the points earned and available emails leave these points to it
    (thanks,) = emails
    assert thanks.to == ["camille@example.org"]
    assert unescape(thanks.subject) == (
        "La personne que vous avez invitée a commandé chez Maison Lumière\u00a0: +500 points"
    )
    assert referral.welcome_code not in html_of(thanks) and "/points/" in html_of(thanks)


def test_the_referral_flows_templates_validate_in_both_languages(shop):
    from flows.models import Flow, FlowStep
    from flows.services import StepInput, step_input_errors

    with merchant_scope(shop):
        flows = {flow.key: flow.event_kind for flow in Flow.objects.filter(key__startswith="referral-")}
        steps = list(FlowStep.objects.filter(flow__key__startswith="referral-").prefetch_related("templates"))
    assert flows == {"referral-welcome": "referral.invited", "referral-completed": "referral.completed"}
    for step in steps:
        templates = {
            t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
            for t in step.templates.all()
        }
        assert set(templates) == {"en", "fr"}
        data = StepInput(name=step.name, delay_days=step.delay_days, stop_rules=step.stop_rules, templates=templates)
        assert step_input_errors(shop, data) == {}, step.key


def test_existing_shops_get_the_referral_flows_once(shop):
    from importlib import import_module

    from django.apps import apps

    from flows.models import Flow

    install = import_module("loyalty.migrations.0004_referral_flows").install_referral_flows
    with merchant_scope(shop):
        Flow.objects.filter(key="referral-completed").delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(shop):
        assert Flow.objects.filter(key__startswith="referral-").count() == 2


def test_privacy_exports_and_erases_the_friends_email(client, shop, link):
    from orders.privacy import personal_data_collect, personal_data_erase, subject_for

    invite(client, link, "lou@example.org")
    subject = subject_for(merchant=shop, emails=["lou@example.org"])
    exported = personal_data_collect(subject=subject)["loyalty_referrals"]
    assert [row["friend_email"] for row in exported] == ["lou@example.org"]
    personal_data_erase(subject=subject)
    (referral,) = rows(shop, Referral)
    assert referral.friend_email == "" and referral.status == ReferralStatus.CODE_REQUESTED


@pytest.mark.django_db(transaction=True)
def test_the_same_friend_invited_four_times_at_once_gets_one_code(shop, link):
    from tests.store_credit.test_concurrency import _race

    outcomes = _race(
        [lambda: referrals.referral_invite(link=link, email="lou@example.org", language="en") for _ in range(4)]
    )
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.referral.pk for o in outcomes}) == 1 and sum(o.new for o in outcomes) == 1
    assert len(rows(shop, Referral)) == 1 and len(rows(shop, ShopAction)) == 1
