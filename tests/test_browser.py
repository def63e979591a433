"""The public form in a real browser (headless Debian chromium through Playwright) against
the local stack: the server's field problems appear next to the fields, and success names
the organizer who will get in touch."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from local.template import ROOT
from shared.directory import parse_directory_file
from tests.local_server import LocalServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download does not work on these machines (TOOLS.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DIRECTORY = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
ZIP_94110_COORDINATOR = next(o for o in DIRECTORY.organizers if o.id == "ac-ca-north")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("browser"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server.url)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def test_a_refused_phone_is_shown_at_the_field_and_the_fixed_form_names_the_organizer(page):
    page.goto("/")
    page.get_by_label("Your name").fill("Ana Souza")
    page.get_by_label("Email").fill(f"ana-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Phone").fill("123")
    page.get_by_label("City or town").fill("San Francisco")
    page.get_by_label("State or territory").select_option("CA")
    page.get_by_label("ZIP code").fill("94110")
    page.get_by_label("What would you like your group to work on?").fill("Letters for prisoners of conscience.")
    page.get_by_label("I agree that an organizer may contact me").check()

    page.get_by_role("button", name="Send my inquiry").click()

    expect(page.locator("#phone-error")).to_contain_text("Phone")
    expect(page.locator("#phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone")).to_be_focused()
    expect(page.locator("#result")).to_be_hidden()

    page.get_by_label("Phone").fill("(415) 555-0142")
    page.get_by_role("button", name="Send my inquiry").click()

    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#result-organizer")).to_contain_text(ZIP_94110_COORDINATOR.name)
    expect(page.locator("#inquiry-form")).to_be_hidden()
