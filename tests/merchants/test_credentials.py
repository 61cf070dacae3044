"""Shop credentials are encrypted at rest and only ever read by the code that calls out."""

import pytest
from django.db import connection

from merchants.credentials import credential_get, credential_set, credentials_set_kinds
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db
TOKEN = "shpat_0123456789abcdef"


def test_a_credential_is_stored_encrypted_and_read_back_for_its_merchant_only(merchant):
    other = MerchantFactory()
    credential_set(merchant, "shopify_admin_token", f"  {TOKEN} ")
    assert credential_get(merchant, "shopify_admin_token") == TOKEN
    assert credential_get(other, "shopify_admin_token") == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM merchants_shopcredential")
        (stored,) = cursor.fetchone()
    assert TOKEN not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert credentials_set_kinds(merchant) == {"shopify_admin_token"}


def test_setting_again_replaces_and_an_empty_value_clears(merchant):
    credential_set(merchant, "easypost_api_key", "EZAK_first")
    credential_set(merchant, "easypost_api_key", "EZAK_second")
    assert credential_get(merchant, "easypost_api_key") == "EZAK_second"
    credential_set(merchant, "easypost_api_key", "")
    assert credentials_set_kinds(merchant) == set()
    with pytest.raises(ValueError, match="Unknown credential"):
        credential_set(merchant, "paypal", "x")
