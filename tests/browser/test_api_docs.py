"""/api/docs/ in a real browser, under the production Content-Security-Policy: the operations show."""

import pytest

from .support import chromium, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_list_the_operations_with_no_console_error(live_server):
    with chromium() as browser:
        page = browser.new_page()
        problems = watch_console(page)
        response = page.goto(f"{live_server.url}/api/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        try:
            page.locator(".opblock-summary").first.wait_for(state="visible", timeout=15_000)
        except Exception:  # Playwright's timeout: say what the console said
            pytest.fail(f"Swagger UI shows no operation; console: {problems}")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any(path.startswith("/api/v1/orders") for path in paths), paths
        assert page.locator(".opblock").count() >= 10
        assert problems == []
