"""Headless Chromium for the browser tests: Debian's build, driven by Playwright."""

import contextlib
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

AXE_JS = Path(pytest.importorskip("axe_playwright_python").__file__).with_name("axe.min.js")

# axe-core's verdict on every text element, and the visible text elements it did not look at.
CONTRAST_JS = """async () => {
  const results = await axe.run(document, {runOnly: {type: "rule", values: ["color-contrast"]}});
  const measured = new Set();
  const found = {violations: [], incomplete: []};
  for (const kind of ["passes", "violations", "incomplete"]) {
    for (const rule of results[kind]) {
      for (const node of rule.nodes) {
        measured.add(document.querySelector(node.target[0]));
        if (kind !== "passes") {
          const data = (node.any[0] || {}).data || {};
          found[kind].push(`${node.html.slice(0, 100)}: ${data.fgColor} on ${data.bgColor}, ` +
            `${data.contrastRatio}:1 (needs ${data.expectedContrastRatio}) ${node.failureSummary || ""}`);
        }
      }
    }
  }
  const unmeasured = [];
  for (const element of document.body.querySelectorAll("*")) {
    const ownText = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const shown = element.checkVisibility({opacityProperty: true, visibilityProperty: true});
    if (ownText && shown && element.getClientRects().length && !measured.has(element)) {
      unmeasured.push(element.outerHTML.slice(0, 100));
    }
  }
  return {...found, unmeasured, measured: measured.size};
}"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium():
    """A running browser, closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_console(page) -> list[str]:
    """Every console error and uncaught exception of `page` (a CSP refusal is one), as it happens."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


# --- Staff pages at both widths in both languages ---------------------------------------------------------

WIDTHS = (390, 1366)


def use_own_cache(settings, name: str) -> None:
    """An in-memory cache for this test: the live server's threads share it and Redis stays untouched."""
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}}
    caches["default"].clear()


def owners_by_language(merchant) -> dict:
    """An owner of the shop who reads English and one who reads French, by language."""
    from core.scoping import merchant_scope
    from merchants.models import Role
    from tests.factories import MembershipFactory, UserFactory

    people = {}
    for language in ("en", "fr"):
        user = UserFactory(email=f"owner-{language}@{merchant.slug}.example.com", language=language)
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
        people[language] = user
    return people


def signed_in_session(user, merchant) -> str:
    """The key of a session signed in as `user` on `merchant`'s dashboard."""
    from django.test import Client

    from merchants.middleware import SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = merchant.pk
    session.save()
    return session.session_key


def staff_pages(browser, live_server, people: dict, merchant, widths=WIDTHS):
    """(language, width, page, console errors) for each owner and width: a page signed in as that owner
    in a browser window of that width, closed when the next one comes."""
    host = live_server.url.split("//", 1)[1].split(":")[0]
    for language, user in people.items():
        for width in widths:
            context = browser.new_context(viewport={"width": width, "height": 900})
            session = signed_in_session(user, merchant)
            context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
            page = context.new_page()
            try:
                yield language, width, page, watch_console(page)
            finally:
                context.close()


def screenshot_and_width(page, folder: Path, name: str, width: int) -> list[str]:
    """Saves the page as folder/name.png; the problem if it is wider than the window."""
    page.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{name}: {scroll_width}px wide"] if scroll_width > width else []


# Options whose chosen text does not fit their select box (the text, its padding and the arrow).
CUT_OFF_SELECTS = """() => {
  const context = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll("select")].filter((select) => select.offsetParent).flatMap((select) => {
    const style = getComputedStyle(select);
    context.font = style.font;
    const text = select.options[select.selectedIndex]?.text || "";
    const needed = context.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 20;
    return needed > select.clientWidth ? [`${select.name}: ${text}`] : [];
  });
}"""
