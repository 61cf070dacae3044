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
