"""What the shop adapters tell staff (gettext_noop messages kept on a shop action, models.ShopAction.error_text)
exists in French: every such message of the adapters and their shared HTTP calls."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from integrations.shop_calls import http_status_check
from shop_actions.adapters import NeedsStaffError, TransientShopError

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ["integrations/shop_calls.py", "integrations/shopify/actions.py", "integrations/woocommerce/actions.py"]


def noop_messages(path: str) -> list[str]:
    tree = ast.parse((ROOT / path).read_text())
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "gettext_noop"
    ]


@pytest.mark.parametrize("path", ADAPTERS)
def test_every_message_to_staff_has_its_french(path):
    messages = noop_messages(path)
    assert messages
    with translation.override("fr"):
        untranslated = [message for message in messages if translation.gettext(message) == message]
    assert untranslated == []


class Answer:
    def __init__(self, status_code):
        self.status_code = status_code


def test_an_http_refusal_reads_in_the_readers_language_with_the_shops_own_words():
    with pytest.raises(NeedsStaffError) as raised:
        http_status_check(Answer(403), platform="Shopify", message="Invalid API key")
    with translation.override("fr"):
        assert str(raised.value).startswith("Shopify a refusé notre accès (HTTP 403). Invalid API key Vérifiez")
    with translation.override("en"):
        assert str(raised.value).startswith("Shopify refused our access (HTTP 403). Invalid API key Check")
    with pytest.raises(TransientShopError) as raised:
        http_status_check(Answer(503), platform="WooCommerce")
    with translation.override("fr"):
        assert str(raised.value) == "WooCommerce a rencontré une erreur (HTTP 503)."
