"""Settings → Returns (/app/settings/returns/) and what each setting changes for customers and staff."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import translation

from core.scoping import merchant_scope
from merchants.models import Merchant, Role
from portal.links import order_token
from returns.eligibility import returnable_lines
from returns.lifecycle import ItemInput, ReturnValidationError, return_request_create
from returns.models import ReturnPolicy, ReturnReason, ReturnRequest, ReturnRule, ReturnStatus
from returns.policy import return_rule_save
from returns.reasons import reasons_for, return_reasons_seed
from returns.rules import returns_offered
from tests.conftest import login_as
from tests.factories import LineItemFactory, MembershipFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/app/settings/returns/"
PLACED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

VALID = {
    "window_days": "30",
    "window_start": "delivery",
    "excluded_discount_percent": "",
    "holiday_from": "",
    "holiday_to": "",
    "holiday_until": "",
    "countries": "",
    "fee": "4.50",
    "return_address": "Maison Lumière\n12 rue des Lilas\n75011 Paris",
    "methods": ["ship_yourself", "keep_it"],
    "keep_it_below": "15",
    "auto_approve": "",
    "auto_approve_below": "",
    "auto_approve_max_returns": "",
    "returns_per_year": "",
    "blocked_emails": "",
}


def post_policy(client, **changes):
    return client.post(PAGE, {**VALID, **changes})


def policy_of(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.filter(merchant=merchant).first()


def reasons_of(merchant):
    with merchant_scope(merchant):
        return list(ReturnReason.objects.filter(merchant=merchant))


def client_with_role(client, merchant, role):
    user = UserFactory(email=f"{role}@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


@pytest.fixture
def order(merchant):
    order = OrderFactory(merchant=merchant, placed_at=PLACED, total=Decimal("60"), shipping_country="FR")
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2, sku="C-1")
    return order


def returnable(order, now):
    with merchant_scope(order.merchant):
        return returnable_lines(order, now=now)[0]


def create(order, reason="too_big", now=None, comment=""):
    with merchant_scope(order.merchant):
        line = order.line_items.get()
    return return_request_create(
        order=order, items=[ItemInput(line.pk, 1, reason, comment)], method="ship_yourself", now=now or PLACED
    )


# --- The page and who may change it ----------------------------------------------------------------


def test_an_admin_saves_the_policy_and_the_default_reasons_are_created_once(staff_client, merchant):
    page = staff_client.get(PAGE)
    assert page.status_code == 200 and "Offer returns" in page.content.decode()
    assert (
        post_policy(staff_client, countries="fr, be", blocked_emails="bad@x.example\n@fraud.example").status_code == 302
    )
    policy = policy_of(merchant)
    assert policy.fee == Decimal("4.50") and policy.countries == ["FR", "BE"] and policy.keep_it_below == 15
    assert policy.blocked_emails == ["bad@x.example", "@fraud.example"] and policy.return_address.count("\n") == 2
    assert not policy.enabled  # saving the settings does not switch returns on by itself
    assert [r.code for r in reasons_of(merchant)] == [
        "too_small", "too_big", "not_as_described", "damaged", "wrong_item", "changed_mind", "arrived_late", "other"
    ]  # fmt: skip
    other = next(r for r in reasons_of(merchant) if r.code == "other")
    assert other.comment_required and other.label_fr == "Autre" and other.label_en == "Other"
    assert post_policy(staff_client, window_days="45").status_code == 302
    assert len(reasons_of(merchant)) == 8 and policy_of(merchant).window_days == 45


def offered(merchant) -> bool:
    """As a customer's next request sees it (a request reads the merchant afresh)."""
    return returns_offered(Merchant.objects.get(pk=merchant.pk))


def test_the_switch_offers_returns_and_switching_off_keeps_the_settings(staff_client, merchant):
    assert not offered(merchant)
    assert staff_client.post(PAGE + "switch/", {"enabled": "on"}).status_code == 302
    assert offered(merchant) and len(reasons_of(merchant)) == 8
    post_policy(staff_client, window_days="60")
    assert staff_client.post(PAGE + "switch/", {"enabled": "off"}).status_code == 302
    assert not offered(merchant) and policy_of(merchant).window_days == 60
    assert staff_client.post(PAGE + "switch/", {"enabled": "maybe"}).status_code == 400
    assert not policy_of(merchant).enabled
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    assert offered(merchant) and policy_of(merchant).window_days == 60


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_viewers_and_agents_read_the_policy_but_change_nothing(client, merchant, role):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, fee=Decimal("4.5"), methods=["ship_yourself"], enabled=True)
        rule = ReturnRule.objects.create(merchant=merchant, match="sku", value="C-1", final_sale=True)
    client = client_with_role(client, merchant, role)
    page = client.get(PAGE).content.decode()
    assert "€4.50" in page and "C-1" in page and "Only admins change the return policy." in page
    assert 'name="window_days"' not in page
    posts = {
        PAGE: VALID,
        PAGE + "switch/": {"enabled": "off"},
        PAGE + "rules/": {"match": "tag", "value": "sale", "final_sale": "on"},
        PAGE + f"rules/{rule.pk}/": {"match": "sku", "value": "X", "window_days": "3"},
        PAGE + f"rules/{rule.pk}/delete/": {},
        PAGE + "reasons/": {"reasons-TOTAL_FORMS": "0", "reasons-INITIAL_FORMS": "0"},
        PAGE + "reasons/new/": {"code": "mine", "label_en": "Mine", "label_fr": "À moi"},
    }
    assert client.get(PAGE + f"rules/{rule.pk}/").status_code == 200  # read, without a form
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    policy = policy_of(merchant)
    assert policy.enabled and policy.fee == Decimal("4.5") and policy.window_days == 30
    with merchant_scope(merchant):
        assert list(ReturnRule.objects.values_list("value", "final_sale")) == [("C-1", True)]
    assert reasons_of(merchant) == []


def test_the_page_speaks_french_with_the_shops_money_format(staff_client, merchant, owner):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, fee=Decimal("4.5"), methods=["ship_yourself"])
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    owner.language = "fr"
    owner.save()
    page = staff_client.get(PAGE).content.decode()
    assert "Proposer les retours" in page or "Arrêter de proposer les retours" in page
    assert "Trop petit" in page and "Too small" in page  # both labels are edited side by side
    viewer = client_with_role(staff_client, merchant, Role.VIEWER)
    assert "€4.50" in viewer.get(PAGE).content.decode()


def test_the_page_keeps_its_queries(staff_client, merchant, django_assert_num_queries):
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    with merchant_scope(merchant):
        for n in range(5):
            ReturnRule.objects.create(merchant=merchant, match="tag", value=f"tag-{n}", window_days=10)
    staff_client.post(
        PAGE + "reasons/new/", {"code": "wrong_colour", "label_en": "Wrong colour", "label_fr": "Couleur"}
    )
    staff_client.get(PAGE)
    with django_assert_num_queries(5):  # user, memberships; policy, rules, reasons
        assert staff_client.get(PAGE).status_code == 200


# --- Validation: refused with a message, nothing saved -----------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window_days": "-3"}, "greater than or equal to 1"),
        ({"window_days": "3651"}, "less than or equal to 3650"),
        ({"fee": "-1"}, "greater than or equal to 0"),
        ({"fee": "99999999"}, "less than or equal to 1000000"),
        ({"fee": "4.505"}, "at most 2 decimals"),
        ({"excluded_discount_percent": "150"}, "less than or equal to 100"),
        ({"countries": "FR, XX, france"}, "Unknown country codes: XX, FRANCE"),
        ({"blocked_emails": "not-an-email"}, "Not an email address or @domain"),
        ({"holiday_from": "2026-12-24", "holiday_to": "2026-11-15", "holiday_until": "2027-01-31"}, "before the first"),
        ({"holiday_from": "2026-11-15"}, "Give all three holiday dates"),
        ({"methods": []}, "This field is required"),
        ({"methods": ["teleport"]}, "Select a valid choice"),
        ({"window_start": "yesterday"}, "Select a valid choice"),
        ({"keep_it_below": ""}, "below which amount"),
        ({"returns_per_year": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_policy_input_is_refused_and_nothing_changes(staff_client, merchant, changes, message):
    post_policy(staff_client)
    response = post_policy(staff_client, **changes)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "Nothing was saved" in html
    policy = policy_of(merchant)
    assert policy.window_days == 30 and policy.fee == Decimal("4.50") and policy.countries == []


def test_money_follows_the_shops_currency(staff_client, merchant):
    merchant.currency = "JPY"
    merchant.save()
    assert "at most 0 decimals" in post_policy(staff_client, fee="500.5").content.decode()
    assert post_policy(staff_client, fee="500").status_code == 302
    assert "¥500" in client_with_role(staff_client, merchant, Role.VIEWER).get(PAGE).content.decode()


# --- Rules ---------------------------------------------------------------------------------------


def test_rules_are_added_edited_and_deleted(staff_client, merchant):
    assert staff_client.post(PAGE + "rules/", {"match": "tag", "value": "Sale", "final_sale": "on"}).status_code == 302
    with merchant_scope(merchant):
        rule = ReturnRule.objects.get()
    assert rule.final_sale and rule.window_days is None
    edit = PAGE + f"rules/{rule.pk}/"
    assert staff_client.get(edit).status_code == 200
    assert staff_client.post(edit, {"match": "product_type", "value": "Vase", "window_days": "10"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.match, rule.value, rule.final_sale, rule.window_days) == ("product_type", "Vase", False, 10)
    assert staff_client.post(edit + "delete/").status_code == 302
    with merchant_scope(merchant):
        assert not ReturnRule.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"match": "tag", "value": "sale"}, "or mark the products as final sale"),
        ({"match": "colour", "value": "red", "final_sale": "on"}, "Select a valid choice"),
        ({"match": "tag", "value": "  ", "final_sale": "on"}, "This field is required"),
        ({"match": "tag", "value": "x", "window_days": "4000"}, "less than or equal to 3650"),
        ({"match": "sku", "value": "c-1", "final_sale": "on"}, "already exists"),
    ],
)
def test_bad_rules_are_refused(staff_client, merchant, data, message):
    with merchant_scope(merchant):
        ReturnRule.objects.create(merchant=merchant, match="sku", value="C-1", window_days=5)
    response = staff_client.post(PAGE + "rules/", data)
    assert response.status_code == 400 and message in response.content.decode()
    with merchant_scope(merchant):
        assert ReturnRule.objects.count() == 1


def test_the_database_keeps_one_rule_per_products(merchant):
    """What a double submit racing past the form's check meets: the second rule is refused."""
    return_rule_save(
        merchant=merchant, values={"match": "tag", "value": "Sale", "final_sale": True, "window_days": None}
    )
    with pytest.raises(IntegrityError):
        return_rule_save(
            merchant=merchant, values={"match": "tag", "value": "sale", "final_sale": False, "window_days": 3}
        )
    with merchant_scope(merchant):
        assert ReturnRule.objects.get().final_sale


def test_switching_and_seeding_twice_change_nothing_more(staff_client, merchant):
    for _ in range(2):
        assert staff_client.post(PAGE + "switch/", {"enabled": "on"}).status_code == 302
        return_reasons_seed(merchant=merchant)
    assert policy_of(merchant).enabled and len(reasons_of(merchant)) == 8
    with merchant_scope(merchant):
        assert ReturnPolicy.objects.count() == 1


def test_another_shops_rule_is_not_found(staff_client, other_merchant):
    with merchant_scope(other_merchant):
        rule = ReturnRule.objects.create(merchant=other_merchant, match="sku", value="X", final_sale=True)
    assert staff_client.get(PAGE + f"rules/{rule.pk}/").status_code == 404
    assert staff_client.post(PAGE + f"rules/{rule.pk}/delete/").status_code == 404
    with merchant_scope(other_merchant):
        assert ReturnRule.objects.filter(pk=rule.pk).exists()


def test_a_rule_changes_eligibility(merchant, order, staff_client):
    staff_client.post(PAGE + "rules/", {"match": "sku", "value": "c-1", "final_sale": "on"})
    assert "Final sale" in returnable(order, PLACED).refusal


# --- Reasons -------------------------------------------------------------------------------------


def reason_rows(merchant, **overrides):
    """The reasons form as the page posts it, with `code → {field: value}` changes."""
    data = {"reasons-TOTAL_FORMS": 0, "reasons-INITIAL_FORMS": 0}
    for index, reason in enumerate(reasons_of(merchant)):
        row = {
            "id": reason.pk,
            "label_en": reason.label_en,
            "label_fr": reason.label_fr,
            "position": reason.position,
            "photo_required": "on" if reason.photo_required else "",
            "comment_required": "on" if reason.comment_required else "",
            "active": "on" if reason.active else "",
        } | overrides.get(reason.code, {})
        data |= {f"reasons-{index}-{name}": value for name, value in row.items() if value != ""}
        data["reasons-TOTAL_FORMS"] = data["reasons-INITIAL_FORMS"] = index + 1
    return data


def test_without_reasons_of_its_own_a_shop_offers_the_built_in_list(merchant):
    codes = [r.code for r in reasons_for(merchant)]
    assert codes[0] == "too_small" and codes[-1] == "other" and len(codes) == 8


def test_staff_rename_reorder_deactivate_and_add_reasons(staff_client, merchant, django_assert_num_queries):
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    data = reason_rows(
        merchant,
        too_small={"label_en": "Runs small", "label_fr": "Taille petit", "position": 500, "photo_required": "on"},
        arrived_late={"active": ""},
    )
    assert staff_client.post(PAGE + "reasons/", data).status_code == 302
    new = {"code": "wrong_colour", "label_en": "Wrong colour", "label_fr": "Mauvaise couleur", "comment_required": "on"}
    assert staff_client.post(PAGE + "reasons/new/", new).status_code == 302
    with django_assert_num_queries(1):
        reasons = reasons_for(merchant)
    codes = [r.code for r in reasons]
    assert "arrived_late" not in codes and codes[-2:] == ["too_small", "wrong_colour"]
    small = reasons[-2]
    assert small.photo_required and not small.comment_required
    with translation.override("fr"):
        assert str(small.label) == "Taille petit"
    with translation.override("en"):
        assert str(small.label) == "Runs small" and reasons[-1].comment_required


def test_a_reason_requiring_a_comment_is_enforced_on_returns(staff_client, merchant, order):
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    staff_client.post(PAGE + "reasons/", reason_rows(merchant, too_big={"comment_required": "on"}))
    with pytest.raises(ReturnValidationError, match="asks for one"):
        create(order, reason="too_big")
    staff_client.post(PAGE + "reasons/", reason_rows(merchant, too_big={"active": ""}))
    with pytest.raises(ReturnValidationError, match="reason from the list"):
        create(order, reason="too_big", comment="loose")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Bad Code", "lower-case letters"),
        ("x", "lower-case letters"),
        ("damaged", "built-in reason"),
        ("wrong_colour", "already has a reason"),
    ],
)
def test_bad_reason_codes_are_refused(staff_client, merchant, code, message):
    staff_client.post(
        PAGE + "reasons/new/", {"code": "wrong_colour", "label_en": "Wrong colour", "label_fr": "Couleur"}
    )
    response = staff_client.post(PAGE + "reasons/new/", {"code": code, "label_en": "L", "label_fr": "L"})
    assert response.status_code == 400 and message in response.content.decode()
    assert len(reasons_of(merchant)) == 9


def test_every_reason_switched_off_or_a_blank_label_is_refused(staff_client, merchant):
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    off = {r.code: {"active": ""} for r in reasons_of(merchant)}
    response = staff_client.post(PAGE + "reasons/", reason_rows(merchant, **off))
    assert response.status_code == 400 and "Keep at least one reason offered" in response.content.decode()
    response = staff_client.post(PAGE + "reasons/", reason_rows(merchant, damaged={"label_fr": ""}))
    assert response.status_code == 400
    assert all(r.active and r.label_fr for r in reasons_of(merchant))


def test_a_shops_reasons_are_its_own(merchant, other_merchant):
    return_reasons_seed(merchant=other_merchant)
    with merchant_scope(other_merchant):
        ReturnReason.objects.filter(code="too_small").update(label_en="Tiny")
    assert str(reasons_for(merchant)[0].label) == "Too small" and len(reasons_for(merchant)) == 8
    assert str(reasons_for(other_merchant)[0].label) == "Tiny"


def test_another_shops_reason_cannot_be_edited(staff_client, merchant, other_merchant):
    staff_client.post(PAGE + "switch/", {"enabled": "on"})
    return_reasons_seed(merchant=other_merchant)
    foreign = reasons_of(other_merchant)[0]
    data = reason_rows(merchant)
    data["reasons-0-id"] = foreign.pk
    data["reasons-0-label_en"] = "Hijacked"
    assert staff_client.post(PAGE + "reasons/", data).status_code == 400
    assert reasons_of(other_merchant)[0].label_en == "Too small"


# --- What the settings change -------------------------------------------------------------------


def test_holiday_orders_may_be_returned_until_the_holiday_date(merchant, order):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(
            merchant=merchant,
            window_days=14,
            window_start="order",
            methods=["ship_yourself"],
            holiday_from=date(2026, 11, 15),
            holiday_to=date(2026, 12, 24),
            holiday_until=date(2027, 1, 31),
        )
    assert returnable(order, PLACED).window_ends == date(2027, 1, 31)
    assert returnable(order, datetime(2027, 1, 31, 20, tzinfo=UTC)).quantity == 2
    assert "closed" in returnable(order, datetime(2027, 2, 1, 12, tzinfo=UTC)).refusal
    order.placed_at = datetime(2026, 11, 14, 12, tzinfo=UTC)  # before the holidays: the usual 14 days
    assert returnable(order, PLACED).window_ends == date(2026, 11, 28)


def test_returns_are_accepted_only_from_the_listed_countries(merchant, order):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"], countries=["BE", "DE"])
    with translation.override("en"):
        assert returnable(order, PLACED).refusal == "The shop does not accept returns from France."
    with translation.override("fr"):
        assert returnable(order, PLACED).refusal == "La boutique n’accepte pas de retours depuis France."
    with pytest.raises(ReturnValidationError, match="does not accept returns from"):
        create(order)
    order.shipping_country = "DE"
    order.save()
    assert returnable(order, PLACED).quantity == 2


def test_the_customer_reads_why_their_country_is_refused(merchant, order):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"], countries=["BE"])
    page = Client().get(f"/returns/{order_token(order)}/?lang=fr").content.decode()
    assert "La boutique n’accepte pas de retours depuis France." in page


def test_holiday_dates_are_saved_from_the_page(staff_client, merchant):
    dates = {"holiday_from": "2026-11-15", "holiday_to": "2026-12-24", "holiday_until": "2027-01-31"}
    assert post_policy(staff_client, **dates).status_code == 302
    policy = policy_of(merchant)
    assert (policy.holiday_from, policy.holiday_to, policy.holiday_until) == (
        date(2026, 11, 15),
        date(2026, 12, 24),
        date(2027, 1, 31),
    )
    response = post_policy(staff_client, holiday_from="2026-11-15", holiday_to="2026-12-24", holiday_until="2026-12-01")
    assert response.status_code == 400 and "at least until the last one" in response.content.decode()
    assert policy_of(merchant).holiday_until == date(2027, 1, 31)


def policy_with(merchant, **fields):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant, **({"methods": ["ship_yourself"], "auto_approve": True} | fields)
        )


def test_auto_approval_below_an_order_total(merchant, order):
    policy_with(merchant, auto_approve_below=Decimal("50"))
    assert create(order).status == ReturnStatus.REQUESTED  # the order is 60
    order.total = Decimal("49.99")
    order.save()
    assert create(order).status == ReturnStatus.APPROVED


def test_auto_approval_only_for_customers_with_few_returns(merchant, order):
    policy_with(merchant, auto_approve_max_returns=1)
    with merchant_scope(merchant):
        order.line_items.update(quantity=5)
    assert create(order).status == ReturnStatus.APPROVED  # no return before
    assert create(order).status == ReturnStatus.REQUESTED  # one already in the last 12 months
    with merchant_scope(merchant):
        ReturnRequest.objects.filter(order=order).update(created_at=PLACED - timedelta(days=400))
    assert create(order).status == ReturnStatus.APPROVED  # the earlier ones are older than a year


@pytest.mark.parametrize("listed", ["Camille@Example.org", "@example.org"])
def test_listed_emails_always_wait_for_staff(merchant, order, listed):
    order.email = order.customer.email = "camille@example.org"
    order.save()
    policy_with(merchant, blocked_emails=[listed.lower()])
    assert create(order).status == ReturnStatus.REQUESTED
    with merchant_scope(merchant):
        ReturnPolicy.objects.update(blocked_emails=["@other.example"])
    assert create(order).status == ReturnStatus.APPROVED


def test_damaged_items_always_wait_for_staff(merchant, order):
    policy_with(merchant)
    assert create(order, reason="damaged").status == ReturnStatus.REQUESTED


def test_the_fee_is_the_refunds_fee(merchant, order):
    policy_with(merchant, fee=Decimal("4.50"), auto_approve=False)
    request = create(order)
    assert request.fee == Decimal("4.50") and request.refund_amount == Decimal("25.50")
