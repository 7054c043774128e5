"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server.

* The browser is /usr/bin/chromium (scripts/ensure-system-packages.sh installs it): `playwright
  install` cannot download one here. CHROMIUM=/path overrides it. Headless, so no DISPLAY is needed,
  and --no-sandbox because CI runs as root.
* `browser` is package-scoped (one Chromium for the whole E2E set, about a second to start) and is
  defined here, overriding pytest-playwright's session-wide one, so that Playwright's event loop
  ends with this package: Django refuses database calls while an event loop runs in the thread,
  and the tests after this package must not inherit DJANGO_ALLOW_ASYNC_UNSAFE. pytest-playwright's
  --headed and --slowmo options still apply (`make test ARGS="tests/e2e --headed"` on a desktop).
* The live server needs a transactional database: each test's rows are committed so that the
  server thread sees them, and the tables are emptied afterwards. That also empties the rows the
  data migrations wrote (rule sets, catalogues), so `registry_data` puts them back first.
* Screenshots of the main pages go to test-artifacts/screenshots/ (git-ignored); `check_page`
  takes one and runs axe-core (bundled in axe-playwright-python: nothing is fetched).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps as django_apps
from django.conf import settings
from playwright.sync_api import Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "rotation-demo"  # tests/factories.py
TIMEOUT_MS = 10_000
# axe-core impacts that fail a test; "moderate" and "minor" ones are reported in the message only.
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="package")
def browser(pytestconfig):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run scripts/ensure-system-packages.sh (apt-get install chromium)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=CHROMIUM_FLAGS,
                headless=not pytestconfig.getoption("--headed", False),
                slow_mo=pytestconfig.getoption("--slowmo", 0) or 0,
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture(autouse=True)
def registry_data(live_server, transactional_db):
    """The rows the data migrations write (catalogues, rule sets), which the last test's flush removed."""
    catalogues = importlib.import_module("units.migrations.0002_catalogues")
    rule_sets = importlib.import_module("postings.migrations.0003_rule_sets")
    catalogues.create_catalogues(django_apps, None)
    rule_sets.add_rule_sets(django_apps, None)


# --- Helpers the tests share ---


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the login page, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA rules and best practices)."""
    return Axe().run(page).response["violations"]


def check_page(page: Page, name: str) -> None:
    """Screenshot the page, then fail on any serious or critical accessibility violation."""
    screenshot(page, name)
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = []
        for v in blocking:
            targets = "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
        pytest.fail(f"axe-core on {name} ({page.url}):\n" + "\n".join(lines))
