"""The public form in a real browser (headless Debian chromium through Playwright) against
the local stack: the server's field problems appear next to the fields, and success names
the organizer who will get in touch; with the mouse or with the keyboard alone, and never
a request to anywhere but the local stack (the page must work offline)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from local.template import ROOT
from shared.storage.directory_file import parse_directory_file
from tests.local_server import LocalServer

pytestmark = pytest.mark.browser


DIRECTORY = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
ZIP_94110_COORDINATOR = next(o for o in DIRECTORY.organizers if o.id == "ac-ca-north")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("browser"))
    yield started
    started.stop()


@dataclass
class Traffic:
    """Every request the page made: to the local stack (let through) or elsewhere (aborted)."""

    local: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    outside: list[str] = field(default_factory=list)


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(browser, server, traffic):
    context = browser.new_context(base_url=server.url)

    def only_the_local_stack(route) -> None:
        url = urlsplit(route.request.url)
        if url.hostname == "127.0.0.1":
            traffic.local.append((route.request.method, url.path))
            route.continue_()
        else:  # a CDN, a font, an analytics beacon: none may be needed
            traffic.outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_local_stack)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def test_a_refused_phone_is_shown_at_the_field_and_the_fixed_form_names_the_organizer(page, traffic):
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
    assert traffic.outside == []
    assert ("GET", "/form.js") in traffic.local  # the check saw the page's own requests


# The form's controls in the order Tab reaches them (the honeypot is out of the tab order).
TAB_ORDER = ["name", "email", "phone", "city", "state", "zip", "message", "consent", "submit"]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_form_works_with_the_keyboard_alone_and_focus_goes_to_the_first_field_the_server_refused(page, traffic):
    # Given: the form, reached with Tab from the top of the page
    page.goto("/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused_id(page) == "name":
            break
    # An address and a phone that only the server refuses (a reserved domain, a short number).
    typed = {
        "name": "Ana Souza",
        "email": f"ana-{uuid.uuid4().hex[:8]}@example.invalid",
        "phone": "123",
        "city": "San Francisco",
        "state": "Calif",  # type-ahead in the closed select
        "zip": "94110",
        "message": "Letters for prisoners of conscience.",
    }

    # When: every field is filled by typing, Tab after Tab, the box ticked with Space, sent with Enter
    reached = []
    for control in TAB_ORDER:
        reached.append(focused_id(page))
        if control in typed:
            page.keyboard.type(typed[control])
        elif control == "consent":
            page.keyboard.press("Space")
        if control != "submit":
            page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Then: Tab went through the fields in order, and the server's problems put focus on the first
    assert reached == TAB_ORDER
    expect(page.locator("#email-error")).not_to_be_empty()
    expect(page.locator("#phone-error")).to_contain_text("Phone")
    expect(page.locator("#email")).to_be_focused()
    assert ("POST", "/inquiries") in traffic.local  # refused by the server, not by the page

    # When: both are corrected from the keyboard and the form sent again with Enter
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(f"ana-{uuid.uuid4().hex[:8]}@example.com")
    page.keyboard.press("Tab")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("(415) 555-0142")
    page.keyboard.press("Enter")

    # Then: the result has the focus and names the organizer; nothing left 127.0.0.1
    expect(page.locator("#result")).to_be_focused()
    expect(page.locator("#result-organizer")).to_contain_text(ZIP_94110_COORDINATOR.name)
    expect(page.locator("#state")).to_have_value("CA")
    assert traffic.outside == []
