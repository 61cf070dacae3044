"""Tenant isolation, generated from the URL configuration.

Every URL pattern of the project is called (GET and POST, plus PATCH and DELETE with the
API key) by a second merchant B, with B's staff session and with B's API key. The URL
kwargs are filled with merchant A's objects: every tenant-owned row of A is created with
the SAME primary key, so an `<int:...pk>` kwarg points at an A object whatever model the
view looks up. B must never see A's marker strings, never get a 5xx, and never change A's
rows. A new URL or a new TenantModel is covered without editing this file; the few
patterns skipped are listed in SKIPPED with the reason.

Run with `-s` to see the list of URLs covered.
"""

import json
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from rest_framework.test import APIClient

from core.scoping import TenantModel, merchant_scope, unscoped
from merchants.middleware import SESSION_KEY
from merchants.models import Merchant, Role, User
from merchants.services import api_key_issue

SHARED_PK = 987654
A_SLUG = "victim-alpha"
A_EMAIL = "isolation-victim@alpha-victim.example"
A_ORDER_NUMBER = "#ALPHA-90417"
A_TRACKING = "ALPHATRACK778899"
A_TEXT = "alpha-secret-text"
# A's private data: never shown to B.
MARKERS = (A_EMAIL, "alpha-victim.example", A_ORDER_NUMBER, A_TRACKING, A_TEXT)
# A's public branding: allowed only where an anonymous visitor sees it too (customer pages).
A_SHOP_NAME = "Victim Shop Alpha"
A_SUPPORT_EMAIL = "help@alpha-brand.example"
BRANDING = (A_SHOP_NAME, A_SUPPORT_EMAIL)

# URL prefixes not walked, each with its reason.
SKIPPED = {
    "admin/": "Django admin: operators only (is_staff), not a tenant surface",
    "static/": "public static files",
    "media/": "public merchant logos, served by path by design",
    "i18n/": "set_language only stores the visitor's language",
    "anymail/": "ESP event webhooks, authenticated by the ESP's shared secret, not per merchant",
}

# Values for required fields the generic filler cannot guess, by field name.
FIELD_VALUES = {
    "currency": "EUR",
    "country": "FR",
    "shipping_country": "FR",
    "language": "fr",
    "time_zone": "Europe/Paris",
    "number": A_ORDER_NUMBER,
    "tracking_number": A_TRACKING,
    "email": A_EMAIL,
    "name": A_TEXT,
    "title": A_TEXT,
}
# Ids a form or JSON body might carry instead of a URL kwarg.
ID_FIELDS = (
    "id pk merchant merchant_id order order_id customer customer_id shipment shipment_id line_item line_item_id "
    "api_key api_key_id membership membership_id user user_id invitation invitation_id endpoint endpoint_id "
    "delivery delivery_id event event_id flow flow_id step step_id message message_id"
).split()


# --- Merchant A, created generically ------------------------------------------------------


def tenant_deps(model, *, required_only: bool) -> set:
    return {
        f.related_model
        for f in model._meta.fields
        if f.is_relation
        and issubclass(f.related_model, TenantModel)
        and f.related_model is not model
        and not (required_only and f.null)
    }


def tenant_models() -> list[type[models.Model]]:
    """Every concrete TenantModel, the models it points at first (required keys must come first)."""
    pending = [m for m in apps.get_models() if issubclass(m, TenantModel)]
    ordered = []
    while pending:
        ready = [m for m in pending if tenant_deps(m, required_only=False) <= set(ordered)]
        ready = ready or [m for m in pending if tenant_deps(m, required_only=True) <= set(ordered)]
        ready = ready or pending  # a cycle of required keys: those rows will fail to build
        ordered += ready
        pending = [m for m in pending if m not in ready]
    return ordered


def field_value(field, *, merchant, user, built):
    if field.name == "merchant":
        return merchant
    if field.is_relation:
        target = field.related_model
        if target is Merchant:
            return merchant
        if target is User or (isinstance(target, type) and issubclass(target, User)):
            return user
        if target in built:
            return built[target]
        if field.null:
            return None
        return build_plain(target, merchant=merchant, user=user, built=built)
    if field.name in FIELD_VALUES:
        value = FIELD_VALUES[field.name]
        max_length = getattr(field, "max_length", None)
        if field.choices and value not in {c[0] for c in field.flatchoices}:
            return field.flatchoices[0][0]
        return value[:max_length] if isinstance(value, str) and max_length else value
    if field.choices:
        return field.flatchoices[0][0]
    return value_by_type(field)


def value_by_type(field):
    unique = uuid.uuid4().hex[:10]
    match field:
        case models.EmailField():
            return A_EMAIL
        case models.URLField():
            return "https://alpha-victim.example/"
        case models.SlugField():
            return f"alpha-{unique}"[: field.max_length]
        case models.TextField():
            return json.dumps({"text": f"{A_TEXT}-{unique}"})  # valid JSON too, for bodies and payloads
        case models.CharField():
            return f"{A_TEXT}-{unique}"[: field.max_length]
        case models.DecimalField():
            return Decimal("12.34")
        case models.BooleanField():
            return False
        case models.IntegerField() | models.FloatField():
            return 1
        case models.DateTimeField():
            return timezone.now()
        case models.DateField():
            return date.today()
        case models.DurationField():
            return timedelta(days=1)
        case models.UUIDField():
            return uuid.uuid4()
        case models.JSONField():
            return {}
        case models.GenericIPAddressField():
            return "192.0.2.1"
        case models.FileField():
            return "alpha.png"
        case models.BinaryField():
            return b""
    raise TypeError(f"no generic value for {field!r}")


def needs_value(field) -> bool:
    if field.name == "merchant":
        return True
    if field.primary_key or field.auto_created or not field.concrete:
        return False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    if field.is_relation and issubclass(field.related_model, TenantModel | User | Merchant):
        return True  # link A's rows to each other even where the key is optional
    if field.name in FIELD_VALUES:
        return True  # markers, even on optional fields
    if field.has_default() or field.null:
        return False
    return not (field.blank and isinstance(field, models.CharField | models.TextField))


def build_plain(model, *, merchant, user, built, pk=None):
    values = {}
    for field in model._meta.fields:
        if needs_value(field):
            value = field_value(field, merchant=merchant, user=user, built=built)
            values[field.attname] = value.pk if field.is_relation and value is not None else value
    if pk is not None:
        values[model._meta.pk.attname] = pk
    instance = model(**values)
    instance.save(force_insert=True)
    return instance


def create_merchant_a():
    """Merchant A with one of each tenant-owned row, all with pk SHARED_PK."""
    owner = User.objects.create_user("owner@alpha-victim.example", "alpha owner pass", pk=SHARED_PK)
    merchant = Merchant.objects.create(pk=SHARED_PK, name=A_SHOP_NAME, slug=A_SLUG, support_email=A_SUPPORT_EMAIL)
    built, failed = {}, {}
    with merchant_scope(merchant):
        for model in tenant_models():
            try:
                with transaction.atomic():
                    built[model] = build_plain(model, merchant=merchant, user=owner, built=built, pk=SHARED_PK)
            except (DatabaseError, TypeError, ValueError) as exc:
                failed[model] = repr(exc)
    return merchant, owner, built, failed


def snapshot(merchant) -> dict:
    """Every row A owns, field by field."""
    with unscoped():
        rows = {
            model._meta.label: list(model._base_manager.filter(merchant=merchant).order_by("pk").values())
            for model in tenant_models()
        }
        rows["merchant"] = list(Merchant.objects.filter(pk=merchant.pk).values())
        rows["users"] = list(User.objects.filter(pk=SHARED_PK).values())
    return rows


# --- The URL list -------------------------------------------------------------------------


def url_patterns():
    """(route, URLPattern) for every pattern of the project, includes flattened."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append((prefix + str(entry.pattern), entry))

    walk(get_resolver().url_patterns, "")
    return found


def kwarg_value(name: str, converter: str) -> str:
    if converter == "int" or name.endswith("pk") or name == "id" or name.endswith("_id"):
        return str(SHARED_PK)
    if "slug" in name:
        return A_SLUG
    if "token" in name or name.startswith("uid"):
        return "garbage-token.not-signed"
    if name == "format":
        return "json"
    if converter == "uuid":
        return str(uuid.UUID(int=SHARED_PK))
    return "x"


ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def concrete_url(route: str) -> str | None:
    """The route with its kwargs filled in, or None if it cannot be written as one URL."""
    path = REGEX_GROUP.sub(lambda m: kwarg_value(m["name"], "str"), route)
    path = ROUTE_PARAM.sub(lambda m: kwarg_value(m["name"], m["converter"] or "str"), path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".").replace("/?", "/")
    if re.search(r"[\\()\[\]*+?|{}]", path):
        return None
    return "/" + path


def walkable_urls():
    covered, uncovered, skipped = [], [], []
    for route, pattern in url_patterns():
        plain_route = route.lstrip("^")
        if any(plain_route.startswith(prefix) for prefix in SKIPPED):
            skipped.append(route)
            continue
        url = concrete_url(route)
        try:
            match = resolve(url) if url else None
        except Resolver404:
            match = None
        if match is None or match.func is not pattern.callback:
            uncovered.append(route)
            continue
        covered.append((route, url))
    return covered, uncovered, skipped


# --- Calling them ---------------------------------------------------------------------------


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return content.decode("utf-8", "replace") + headers


class Calls:
    """Makes requests, and records what went wrong instead of stopping at the first problem."""

    def __init__(self, capture_on_commit):
        self.capture_on_commit = capture_on_commit
        self.problems = []
        self.count = 0
        self.public_pages = {}

    def call(self, who, client, method, url, **kwargs):
        self.count += 1
        try:
            with transaction.atomic(), self.capture_on_commit(execute=True):
                response = getattr(client, method)(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any crash is a finding, listed with the URL
            self.problems.append(f"{who} {method.upper()} {url}: raised {exc!r}")
            return None
        if response.status_code >= 500:
            self.problems.append(f"{who} {method.upper()} {url}: status {response.status_code}")
        text = body_text(response)
        leaked = [marker for marker in MARKERS if marker in text]
        branding = [marker for marker in BRANDING if marker in text]
        if branding and not self.public_branding(url, branding):
            leaked += branding
        if leaked:
            self.problems.append(f"{who} {method.upper()} {url}: shows merchant A's {leaked}")
        return response

    def public_branding(self, url, branding) -> bool:
        """A shop's name on its own public page (e.g. the returns portal) is not a leak."""
        if url not in self.public_pages:
            with transaction.atomic():
                self.public_pages[url] = body_text(Client().get(url))
        return all(marker in self.public_pages[url] for marker in branding)


def id_body() -> dict:
    return dict.fromkeys(ID_FIELDS, SHARED_PK) | {"merchant_slug": A_SLUG, "slug": A_SLUG}


@pytest.fixture
def merchant_a(db):
    return create_merchant_a()


@pytest.fixture
def merchant_b(db):
    merchant = Merchant.objects.create(name="Intruder Shop Beta", slug="intruder-beta")
    user = User.objects.create_user("owner@intruder-beta.example", "beta owner pass")
    from merchants.models import Membership

    with merchant_scope(merchant):
        Membership.objects.create(merchant=merchant, user=user, role=Role.OWNER)
    return merchant, user


def session_for(user, merchant) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = merchant.pk
    session.save()
    return client


CORE_MODELS = (
    "orders.Customer orders.Order orders.LineItem orders.OrderEvent integrations.WebhookDelivery tracking.Shipment "
    "tracking.TrackingEvent merchants.ApiKey merchants.Membership merchants.Invitation"
).split()


@pytest.mark.django_db
def test_second_merchant_cannot_reach_first_merchants_data(merchant_a, merchant_b, django_capture_on_commit_callbacks):
    a, a_owner, built, failed = merchant_a
    b, b_owner = merchant_b
    built_labels = {model._meta.label for model in built}
    assert set(CORE_MODELS) <= built_labels, f"could not create A's rows generically: {failed}"
    issued = api_key_issue(merchant=b, name="intruder", role=Role.ADMIN)
    covered, uncovered, skipped = walkable_urls()
    assert not uncovered, f"URL patterns this test cannot fill in; extend concrete_url(): {uncovered}"

    before = snapshot(a)
    calls = Calls(django_capture_on_commit_callbacks)
    for _route, url in covered:
        staff = session_for(b_owner, b)
        calls.call("B session", staff, "get", url)
        calls.call("B session", staff, "post", url, data={})
        calls.call("B session", staff, "post", url, data=id_body())
        calls.call("B session, then home", staff, "get", "/")  # a POST must not have switched B into A
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
        calls.call("B key", api, "get", url)
        calls.call("B key", api, "post", url, data=json.dumps({}), content_type="application/json")
        calls.call("B key", api, "post", url, data=json.dumps(id_body()), content_type="application/json")
        if str(SHARED_PK) in url:
            calls.call("B key", api, "patch", url, data=json.dumps(id_body()), content_type="application/json")
            calls.call("B key", api, "delete", url)
    after = snapshot(a)

    changed = [label for label in before if before[label] != after[label]]
    print_coverage(covered, skipped, built_labels, failed, calls.count)
    assert not calls.problems, "\n".join(calls.problems)
    assert not changed, f"merchant B's requests changed merchant A's rows in: {changed}"


@pytest.mark.django_db
def test_first_merchant_walks_every_url_without_a_server_error(merchant_a, django_capture_on_commit_callbacks):
    a, a_owner, _built, _failed = merchant_a
    with merchant_scope(a):
        from merchants.models import Membership

        Membership.objects.filter(user=a_owner).update(role=Role.OWNER)
    covered, _uncovered, _skipped = walkable_urls()
    calls = Calls(django_capture_on_commit_callbacks)
    for _route, url in covered:
        calls.call("A session", session_for(a_owner, a), "get", url)
    # A may see its own data; only server errors count here.
    errors = [problem for problem in calls.problems if "shows merchant A's" not in problem]
    assert not errors, "\n".join(errors)


def print_coverage(covered, skipped, built_labels, failed, requests):
    print(f"\nTenant isolation: {len(covered)} URL patterns, {requests} requests.")
    for route, url in covered:
        print(f"  covered  {url:<60} ({route})")
    for route in skipped:
        print(f"  skipped  {route}")
    print(f"  A's rows created with pk {SHARED_PK}: {', '.join(sorted(built_labels))}")
    for model, reason in failed.items():
        print(f"  not created generically: {model._meta.label}: {reason}")


def test_url_filler_handles_route_and_regex_patterns():
    assert concrete_url("app/orders/<int:pk>/") == f"/app/orders/{SHARED_PK}/"
    assert concrete_url("webhooks/shopify/<slug:merchant_slug>/") == f"/webhooks/shopify/{A_SLUG}/"
    assert concrete_url("track/<str:token>/") == "/track/garbage-token.not-signed/"
    assert concrete_url(r"api/v1/^orders/(?P<pk>[^/.]+)/$") == f"/api/v1/orders/{SHARED_PK}/"
    assert concrete_url(r"api/v1/^orders\.(?P<format>[a-z0-9]+)/?$") == "/api/v1/orders.json/"
    assert concrete_url(r"^(?:x|y)+$") is None


@pytest.mark.django_db
def test_generic_rows_use_the_shared_primary_key(merchant_a):
    a, _owner, built, _failed = merchant_a
    assert a.pk == SHARED_PK
    for model, instance in built.items():
        assert instance.pk == SHARED_PK, model
        with merchant_scope(a):
            assert model.objects.filter(pk=SHARED_PK).exists()
