"""Playwright drives Debian's Chromium (playwright cannot download its own browsers here)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.base import PASSWORD

# The live server runs in a thread of this process while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_CORE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}  # what axe reports that a page must not have
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot under test-artifacts/ (kept out of git) to look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name, full_page=True):
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def axe():
    """Run axe-core (vendored: see vendor/README.md) on a page; returns what `axe.run` returns.

    `context` is a CSS selector (the whole document by default) and `rules` limits the run to
    those rule ids."""

    def run(page, context=None, rules=None):
        if not page.evaluate("Boolean(window.axe)"):
            page.add_script_tag(path=str(AXE_CORE))
        options = {"runOnly": {"type": "rule", "values": rules}} if rules else {}
        return page.evaluate("([context, options]) => axe.run(context || document, options)", [context, options])

    return run


@pytest.fixture
def log_in(live_server):
    """Log a page in as a user of tests.base (they share its PASSWORD), through the login form."""

    def submit_form(page, username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return submit_form


@pytest.fixture
def assert_accessible(axe):
    def check(page: Page) -> None:
        violations = [
            f"{violation['id']} ({violation['impact']}) at {node['target']}: {node['failureSummary']}"
            for violation in axe(page)["violations"] if violation["impact"] in BLOCKING_IMPACTS
            for node in violation["nodes"]
        ]
        assert not violations, f"{page.url}\n" + "\n".join(violations)

    return check
