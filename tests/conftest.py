import pytest
from rest_framework.test import APIClient

from core.scoping import merchant_scope
from merchants.middleware import SESSION_KEY
from merchants.models import Role
from merchants.services import api_key_issue

from .factories import MembershipFactory, MerchantFactory, UserFactory


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Maison Lumière", slug="maison-lumiere")


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Other Shop", slug="other-shop")


@pytest.fixture
def owner(merchant):
    user = UserFactory(email="owner@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def scoped(merchant):
    """Run the test body inside the first merchant's scope."""
    with merchant_scope(merchant):
        yield merchant


def login_as(client, user, merchant=None):
    client.force_login(user)
    if merchant is not None:
        session = client.session
        session[SESSION_KEY] = merchant.pk
        session.save()
    return client


@pytest.fixture
def staff_client(client, owner, merchant):
    return login_as(client, owner, merchant)


def api_client_for(merchant, role=Role.ADMIN):
    issued = api_key_issue(merchant=merchant, name=f"test {role}", role=role)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    api.api_key = issued
    return api


@pytest.fixture
def api(merchant):
    return api_client_for(merchant)


@pytest.fixture
def other_api(other_merchant):
    return api_client_for(other_merchant)
