"""Link tokens are exactly what django.core.signing makes, so signing.loads keeps reading them."""

import pytest
import time_machine
from django.core import signing
from django.test import override_settings

from flows.tokens import (
    CLICK_SALT,
    PREFERENCE_SALT,
    InvalidLinkError,
    click_token,
    click_token_read,
    preference_token,
    preference_token_read,
)

LONG_URL = "https://shop.example.com/products/candle?utm_source=email&utm_medium=flow&utm_campaign=welcome" * 2


@pytest.mark.parametrize("secret", ["a-secret", "another-secret-with-ünïcode"])
def test_tokens_are_the_ones_django_signing_makes(secret):
    with override_settings(SECRET_KEY=secret), time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        assert preference_token(merchant_id=7, address="Zoe@Example.org", scheduled_id=42) == signing.dumps(
            {"m": 7, "a": "zoe@example.org", "s": 42}, salt=PREFERENCE_SALT, compress=True
        )
        assert preference_token(merchant_id=7, address="zoe@example.org") == signing.dumps(
            {"m": 7, "a": "zoe@example.org"}, salt=PREFERENCE_SALT, compress=True
        )
        long_click = click_token(scheduled_id=42, url=LONG_URL)
        assert long_click.startswith(".")  # compressed, as Django does when it is shorter
        assert long_click == signing.dumps({"s": 42, "u": LONG_URL}, salt=CLICK_SALT, compress=True)
        assert click_token_read(long_click) == {"s": 42, "u": LONG_URL}


def test_a_token_signed_with_another_key_or_salt_is_refused():
    with override_settings(SECRET_KEY="old-secret"):
        token = preference_token(merchant_id=7, address="zoe@example.org")
    with override_settings(SECRET_KEY="new-secret"), pytest.raises(InvalidLinkError):
        preference_token_read(token)
    with pytest.raises(InvalidLinkError):
        click_token_read(preference_token(merchant_id=7, address="zoe@example.org"))
