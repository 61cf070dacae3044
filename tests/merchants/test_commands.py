"""The operator command that creates a tenant."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from merchants.management.commands import create_merchant as command_module
from merchants.models import ApiKey, IntegrationSecret, Membership, Merchant, Role, User
from merchants.services import api_key_authenticate, integration_secrets
from orders.models import Order
from tests.factories import MerchantFactory, UserFactory

GOOD = {
    "name": "Atelier Nord",
    "slug": "atelier-nord",
    "owner_email": "Claire@Atelier-Nord.example.com",
    "owner_password": "quiet harbour lantern 42",
}


def run(**options):
    out = io.StringIO()
    call_command("create_merchant", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def row_counts():
    with unscoped():
        return {
            model.__name__: model.objects.count() for model in (Merchant, User, Membership, ApiKey, IntegrationSecret)
        }


@pytest.mark.django_db
def test_json_output_is_one_object_with_a_working_api_key():
    output = run(**GOOD, shopify_secret="shpss_abc", woocommerce_secret="wc-secret", json=True)

    result = json.loads(output)  # the whole output is one JSON object
    merchant = Merchant.objects.get(slug="atelier-nord")
    assert result["slug"] == "atelier-nord"
    assert result["merchant_id"] == merchant.pk
    assert result["owner_email"] == "claire@atelier-nord.example.com"
    assert result["owner_created"] is True
    assert sorted(result["integrations"]) == ["shopify", "woocommerce"]
    key = api_key_authenticate(plaintext=result["api_key"])
    assert key is not None and key.merchant_id == merchant.pk and key.role == Role.ADMIN
    assert merchant.time_zone == "Europe/Paris" and merchant.default_language == "fr" and merchant.currency == "EUR"
    owner = User.objects.get(email="claire@atelier-nord.example.com")
    assert owner.check_password(GOOD["owner_password"])
    with merchant_scope(merchant):
        assert Membership.objects.get(user=owner).role == Role.OWNER
    assert integration_secrets(merchant=merchant, provider="shopify") == ["shpss_abc"]
    assert integration_secrets(merchant=merchant, provider="woocommerce") == ["wc-secret"]


@pytest.mark.django_db
def test_settings_options_are_applied():
    result = json.loads(run(**GOOD, time_zone="America/Montreal", language="en", currency="cad", json=True))
    merchant = Merchant.objects.get(pk=result["merchant_id"])
    assert (merchant.time_zone, merchant.default_language, merchant.currency) == ("America/Montreal", "en", "CAD")


@pytest.mark.django_db
def test_summary_without_json_shows_the_key_once():
    output = run(**GOOD)
    assert "Created merchant Atelier Nord (atelier-nord" in output
    assert "claire@atelier-nord.example.com (new user)" in output
    printed_key = next(line.split()[-1] for line in output.splitlines() if "API key:" in line)
    assert api_key_authenticate(plaintext=printed_key) is not None
    assert "shown only this once" in output


@pytest.mark.django_db
def test_existing_user_becomes_owner_and_keeps_their_password():
    existing = UserFactory(email="claire@atelier-nord.example.com")  # password "correct horse battery"
    result = json.loads(
        run(name="Second Shop", slug="second-shop", owner_email="CLAIRE@atelier-nord.example.com", json=True)
    )

    assert result["owner_created"] is False
    existing.refresh_from_db()
    assert existing.check_password("correct horse battery")
    with merchant_scope(Merchant.objects.get(slug="second-shop")):
        assert Membership.objects.get(user=existing).role == Role.OWNER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "taken-shop"}, "--slug 'taken-shop' is already used"),
        ({"slug": "Not A Slug"}, "--slug 'Not A Slug' is not valid"),
        ({"slug": "-dash-first"}, "--slug '-dash-first' is not valid"),
        ({"owner_email": "not-an-email"}, "--owner-email 'not-an-email' is not a valid email address"),
        ({"owner_password": None}, "--owner-password is required"),
        ({"owner_password": "12345678"}, "--owner-password is too weak"),
        ({"owner_password": "short"}, "--owner-password is too weak"),
        ({"time_zone": "Mars/Olympus"}, "--time-zone 'Mars/Olympus' is not an IANA time zone"),
        ({"language": "de"}, "--language must be one of en, fr"),
        ({"currency": "EURO"}, "--currency 'EURO' is not an ISO 4217 currency code"),
        ({"currency": "XYZ"}, "--currency 'XYZ' is not an ISO 4217 currency code"),
        ({"shopify_secret": "  "}, "--shopify-secret must not be blank"),
        ({"name": None}, "Missing required option(s): --name"),
        ({"name": "   "}, "--name must not be blank"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_created(overrides, message):
    MerchantFactory(slug="taken-shop")
    before = row_counts()
    options = {**GOOD, **overrides}
    options = {key: value for key, value in options.items() if value is not None}

    with pytest.raises(CommandError) as excinfo:
        run(**options, json=True)

    assert message in str(excinfo.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_every_problem_is_reported_at_once():
    with pytest.raises(CommandError) as excinfo:
        run(name="X", slug="Bad Slug", owner_email="nope", language="es")
    text = str(excinfo.value)
    assert "--slug" in text and "--owner-email" in text and "--language" in text


@pytest.mark.django_db
def test_a_failure_half_way_rolls_everything_back(monkeypatch):
    def broken_secret_set(**kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr(command_module, "integration_secret_set", broken_secret_set)
    before = row_counts()
    with pytest.raises(RuntimeError):
        run(**GOOD, shopify_secret="shpss_abc", json=True)
    assert row_counts() == before


@pytest.mark.django_db(transaction=True)
def test_command_line_exit_status_is_1_with_the_message_on_stderr(capsys):
    MerchantFactory(slug="taken-shop")
    argv = ["manage.py", "create_merchant", "--name", "Shop", "--slug", "taken-shop"]
    argv += ["--owner-email", "a@example.com", "--owner-password", "quiet harbour lantern 42", "--json"]

    with pytest.raises(SystemExit) as excinfo:
        execute_from_command_line(argv)

    assert excinfo.value.code == 1
    captured = capsys.readouterr()
    assert "--slug 'taken-shop' is already used" in captured.err
    assert captured.out == ""
    assert not User.objects.filter(email="a@example.com").exists()


# --- seed_demo ---------------------------------------------------------------------------


def demo_counts():
    from catalogue.models import Product, RecommendationRule
    from orders.models import Customer, LineItem, Order, OrderEvent, Refund
    from tracking.models import Shipment, TrackingEvent

    models = (Merchant, User, Membership, Customer, Order, LineItem, Refund, OrderEvent, Shipment, TrackingEvent)
    models += (Product, RecommendationRule)
    with unscoped():
        return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_seed_demo_twice_writes_nothing_the_second_time(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks() as callbacks:
        first_output = run_seed()
    after_first = demo_counts()
    second_output = run_seed()

    assert demo_counts() == after_first
    # The second shop gets a tenth, at least five; then the later stories' orders (demo/later_orders.py):
    # referred friends' first orders and exchange orders, 3 in the first shop and 2 in the second.
    assert after_first["Order"] == 40 + 5 + 3 + 2
    assert after_first["Merchant"] == 2
    assert "40 orders added" in first_output and "0 orders added" in second_output
    # History is written as already published: no fan-out, no email, nothing queued. The only
    # after-commit work is cached pages being dropped (the orders' cache versions, the tracking
    # pages' cache for what the suggestion rule changed, the survey pages'), and the demo returns' refund actions and
    # labels queued by their services, which find them done already (tests/returns/test_demo_data.py).
    dropping_caches = {"orders.cache_version", "tracking.page_cache", "feedback.page_cache"}
    done_already = {"shop_actions.services", "returns.labels.services"}
    assert {callback.__module__ for callback in callbacks} <= dropping_caches | done_already and mailoutbox == []
    from orders.models import OrderEvent

    with unscoped():
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()


def run_seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--orders", "40", "--no-progress", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_prints_a_login_that_works_for_both_shops(client):
    output = run_seed("--password", "demo pass 123")
    assert "demo@maison-lumiere.example" in output and "/accounts/login/" in output

    assert client.login(email="demo@maison-lumiere.example", password="demo pass 123")
    owner = User.objects.get(email="demo@maison-lumiere.example")
    with unscoped():
        roles = dict(Membership.objects.filter(user=owner).values_list("merchant__slug", "role"))
    assert roles == {"maison-lumiere": Role.OWNER, "wild-fern": Role.OWNER}
    from analytics.models import PredictedClv

    with unscoped():  # fitted at seed time, as the daily task would have: Analytics shows it at once
        assert set(PredictedClv.objects.values_list("merchant__slug", flat=True)) == {"maison-lumiere", "wild-fern"}
    merchant = Merchant.objects.get(slug="maison-lumiere")
    assert (merchant.name, merchant.default_language, merchant.time_zone, merchant.currency) == (
        "Maison Lumière",
        "fr",
        "Europe/Paris",
        "EUR",
    )


@pytest.mark.django_db
def test_seed_demo_history_is_consistent():
    from orders.models import Order
    from tracking.models import Shipment

    call_command("seed_demo", "--orders", "200", "--no-progress", stdout=io.StringIO())
    merchant = Merchant.objects.get(slug="maison-lumiere")
    with merchant_scope(merchant):
        orders = list(Order.objects.prefetch_related("line_items", "shipments__events", "events"))
        assert len(orders) == 200 + 3  # and the later stories': two friends' first orders, an exchange order
        carriers = set(Shipment.objects.values_list("carrier", flat=True))
        customers = {o.customer_id for o in orders if o.customer_id}
        repeaters = [c for c in customers if sum(o.customer_id == c for o in orders) > 1]
    assert {"colissimo", "mondial_relay", "chronopost", "dpd"} <= carriers
    assert repeaters and len(customers) < len(orders)
    for order in orders:
        subtotal = sum(item.unit_price * item.quantity for item in order.line_items.all())
        assert order.subtotal == subtotal
        assert order.total == subtotal - order.discount + order.shipping
        kinds = [event.kind for event in order.events.all()]
        assert kinds[0] == "order.created"
        for shipment in order.shipments.all():
            events = list(shipment.events.all())
            assert shipment.status == events[-1].status
            assert ("shipment.delivered" in kinds) == (shipment.status == "delivered")
            assert shipment.tracking_number and shipment.tracking_url.startswith("https://")
    now = timezone.now()
    old = [s.status for o in orders if o.placed_at < now - timedelta(days=30) for s in o.shipments.all()]
    recent = [s.status for o in orders if o.placed_at > now - timedelta(days=1) for s in o.shipments.all()]
    assert old and set(old) <= {"delivered", "returning_to_sender"}
    assert "delivered" not in recent
    # Codes are stored as the shops report them, so the orders API can show them (code, amount, type).
    coded = [order for order in orders if order.discount_codes]
    assert coded and all(set(code) == {"code", "amount", "type"} for o in coded for code in o.discount_codes)
    from orders.serializers import OrderSerializer

    with merchant_scope(merchant):
        assert all(OrderSerializer(order).data["discount_codes"] for order in coded)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["maison-lumiere", "wild-fern"])
def test_seed_demo_tracking_pages_suggest_products_with_pictures_served_here(client, slug):
    from django.conf import settings
    from django.contrib.staticfiles import finders

    from catalogue.selectors import recommendations_for
    from tracking.tokens import tracking_page_path

    run_seed()
    merchant = Merchant.objects.get(slug=slug)
    with merchant_scope(merchant):
        orders = Order.objects.filter(line_items__product_type__in=["Bougies", "Mugs"]).distinct()
        # A customer who already owns every product of the small shop is suggested nothing: take another.
        order = next(order for order in orders if recommendations_for(order))
    html = client.get(tracking_page_path(order)).content.decode()

    assert 'class="track-recommendations"' in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert images
    for url in images:
        assert url.startswith(f"{settings.SITE_URL}{settings.STATIC_URL}demo/products/")
        assert finders.find(url.removeprefix(f"{settings.SITE_URL}{settings.STATIC_URL}"))


@pytest.mark.django_db
def test_seed_demo_reset_reloads_the_same_history():
    run_seed()
    before = demo_counts()
    with unscoped():
        numbers = set(Order.objects.values_list("external_id", "number", "total"))
    run_seed("--reset")
    assert demo_counts() == before
    with unscoped():
        assert set(Order.objects.values_list("external_id", "number", "total")) == numbers


@pytest.mark.django_db
def test_seed_demo_extensions_receive_only_the_orders_created_in_this_run(monkeypatch):
    from demo import seed

    seen = []
    monkeypatch.setattr(seed, "extensions", lambda: [lambda context: seen.append(context)])
    run_seed()
    run_seed()
    first_run, second_run = seen[:2], seen[2:]
    assert [len(c.created_order_ids) for c in first_run] == [40, 5]
    assert [c.created_order_ids for c in second_run] == [[], []]


def test_demo_tracking_numbers_carry_valid_check_digits():
    from random import Random

    import tracking_numbers

    from demo.tracking_numbers import GENERATORS, s10_check_digit, ups_check_digit

    # Reference vectors (docs: UPU S10 and UPS examples).
    assert s10_check_digit("12345678") == 5
    assert ups_check_digit("5R8939035756712") == 7
    rng = Random(7)
    for carrier in ("ups", "dhl", "chronopost", "royal_mail"):
        for _ in range(20):
            number = GENERATORS[carrier](rng)
            parsed = tracking_numbers.get_tracking_number(number)
            assert parsed is not None and parsed.valid, (carrier, number)
