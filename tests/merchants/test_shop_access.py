"""Settings → Integrations → API access: where to call the shop, and write-only credentials (merchants/shop_access.py)."""

import pytest
from django.urls import reverse

from merchants.credentials import credential_get, credential_set, credentials_set_kinds
from merchants.models import Merchant, Role
from tests.conftest import api_client_for

from .test_settings_pages import staff

pytestmark = pytest.mark.django_db
URL = reverse("settings:shop-access")
TOKEN = "shpat_0123456789abcdef"
QUERIES = 4  # user, memberships, integration secrets, credentials


def page(client):
    return client.get(reverse("settings:integrations")).text


def test_admins_save_shopify_access_and_the_token_is_never_shown_again(staff_client, merchant):
    assert page(staff_client).count("Not set") == 4  # Shopify token, Woo key and secret, EasyPost key
    response = staff_client.post(
        URL, {"platform": "shopify", "shopify_domain": "https://Maison-Lumiere.myshopify.com/", "admin_token": TOKEN}
    )
    assert response.status_code == 302 and response["Location"].endswith("#access-shopify")
    merchant.refresh_from_db()
    assert merchant.shopify_domain == "maison-lumiere.myshopify.com"
    assert credential_get(merchant, "shopify_admin_token") == TOKEN
    html = page(staff_client)
    assert TOKEN not in html and "shpat_" not in html
    assert "Set on" in html and html.count("Not set") == 3
    assert 'value="maison-lumiere.myshopify.com"' in html  # the address is not a secret


def test_an_empty_field_keeps_the_credential_and_remove_clears_it(staff_client, merchant):
    credential_set(merchant, "woocommerce_consumer_key", "ck_first")
    credential_set(merchant, "woocommerce_consumer_secret", "cs_first")
    staff_client.post(
        URL, {"platform": "woocommerce", "woocommerce_url": "https://shop.example.com/", "consumer_key": "ck_second"}
    )
    assert credential_get(merchant, "woocommerce_consumer_key") == "ck_second"
    assert credential_get(merchant, "woocommerce_consumer_secret") == "cs_first"
    merchant.refresh_from_db()
    assert merchant.woocommerce_url == "https://shop.example.com"
    staff_client.post(URL, {"platform": "woocommerce", "woocommerce_url": "https://shop.example.com", "remove": "on"})
    assert credentials_set_kinds(merchant) == set()
    staff_client.post(URL, {"platform": "easypost", "api_key": "EZAK_live_123"})
    assert credential_get(merchant, "easypost_api_key") == "EZAK_live_123"
    assert "EZAK_live_123" not in page(staff_client)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"platform": "shopify", "shopify_domain": "maison-lumiere.com"}, "myshopify.com domain"),
        ({"platform": "shopify", "admin_token": "shpat_ with space"}, "spaces or line breaks"),
        ({"platform": "woocommerce", "woocommerce_url": "http://shop.example.com"}, "starting with https://"),
        ({"platform": "woocommerce", "consumer_key": "cs_swapped"}, "should start with “ck_”"),
        ({"platform": "woocommerce", "consumer_secret": "ck_swapped"}, "should start with “cs_”"),
        ({"platform": "stripe", "api_key": "sk_live"}, "Unknown integration."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(staff_client, merchant, data, message):
    response = staff_client.post(URL, data)
    assert response.status_code == 400
    assert message in response.text
    for value in data.values():
        if value.startswith(("shpat_", "ck_", "cs_", "sk_")):
            assert value not in response.text  # a refused secret is not echoed back either
    merchant.refresh_from_db()
    assert (merchant.shopify_domain, merchant.woocommerce_url) == ("", "")
    assert credentials_set_kinds(merchant) == set()


def test_new_values_and_remove_together_are_refused(staff_client, merchant):
    credential_set(merchant, "easypost_api_key", "EZAK_old")
    response = staff_client.post(URL, {"platform": "easypost", "api_key": "EZAK_new", "remove": "on"})
    assert response.status_code == 400 and "not both" in response.text
    assert credential_get(merchant, "easypost_api_key") == "EZAK_old"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_only_admins_change_access(merchant, role):
    client = staff(merchant, role)
    assert client.post(URL, {"platform": "easypost", "api_key": "EZAK_live_123"}).status_code == 403
    assert credentials_set_kinds(merchant) == set()


def test_each_merchant_sets_its_own_access(merchant, other_merchant):
    intruder = staff(other_merchant, Role.OWNER, email="boss@other-shop.example.com")
    credential_set(merchant, "shopify_admin_token", TOKEN)
    assert "Set on" not in page(intruder)
    intruder.post(URL, {"platform": "shopify", "shopify_domain": "other.myshopify.com", "admin_token": "shpat_other"})
    assert credential_get(merchant, "shopify_admin_token") == TOKEN
    assert Merchant.objects.get(pk=merchant.pk).shopify_domain == ""


def test_the_api_never_shows_credentials(merchant):
    credential_set(merchant, "shopify_admin_token", TOKEN)
    response = api_client_for(merchant).get(reverse("api-me"))
    body = response.content.decode()
    assert response.status_code == 200 and "maison-lumiere" in body
    assert TOKEN not in body and "shopify_admin_token" not in body


def test_the_page_costs_a_fixed_number_of_queries(staff_client, merchant, django_assert_num_queries):
    for kind, value in [
        ("shopify_admin_token", TOKEN),
        ("woocommerce_consumer_key", "ck_1"),
        ("easypost_api_key", "E"),
    ]:
        credential_set(merchant, kind, value)
    with django_assert_num_queries(QUERIES):
        assert staff_client.get(reverse("settings:integrations")).status_code == 200
