"""The founder's page (/status) in a real browser against the local stack: from the link in
the acknowledgement email to the founder's own progress that the organizer then sees; a
lost link asked for again; a withdrawal; an erasure. The token leaves the address bar at
once and never appears in a query string or in localStorage; every state is checked with
axe-core and photographed at 390x844 and 1280x900."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from local.template import ROOT
from shared.storage.directory_file import parse_directory_file
from tests.browser_pages import PHONE, Screenshots, serious_axe_violations
from tests.local_server import LocalServer

pytestmark = pytest.mark.browser

DIRECTORY = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
ZIP_94110_COORDINATOR = next(o for o in DIRECTORY.organizers if o.id == "ac-ca-north")
SAME_ANSWER = "If this address has a group, we sent a link to it. The link opens this page."
STATUS_LINK = re.compile(r"https?://[^\s<>\"]+?/status#t=[A-Za-z0-9._~%-]+")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("founder-page"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Screenshots:
    return Screenshots(tmp_path_factory.mktemp("screenshots"))


class Visit:
    """One browser tab on the local stack, and every request it made."""

    def __init__(self, browser, server: LocalServer) -> None:
        self.context = browser.new_context(base_url=server.url, viewport=PHONE)
        self.requests: list[tuple[str, str, str | None]] = []  # (method, url, authorization)
        self.outside: list[str] = []

        def only_the_local_stack(route) -> None:
            request = route.request
            if urlsplit(request.url).hostname == "127.0.0.1":
                self.requests.append((request.method, request.url, request.headers.get("authorization")))
                route.continue_()
            else:
                self.outside.append(request.url)
                route.abort()

        self.context.route("**/*", only_the_local_stack)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)

    def api_calls(self, path: str) -> list[tuple[str, str | None]]:
        return [(m, auth) for m, url, auth in self.requests if urlsplit(url).path == path and auth is not None]


@pytest.fixture
def visit(browser, server) -> Iterator[Visit]:
    opened = Visit(browser, server)
    yield opened
    opened.context.close()


# ---------------------------------------------------------------------- givens


def a_founder_sends_the_form(server: LocalServer, name: str = "Ana Souza") -> str:
    """Sends the public form for a new address; returns that address."""
    email = f"founder-{uuid.uuid4().hex[:10]}@example.com"
    reply = server.call(
        "POST",
        "/inquiries",
        {
            "name": name,
            "email": email,
            "phone": "(415) 555-0142",
            "city": "San Francisco",
            "state": "CA",
            "zip": "94110",
            "message": "Letters for prisoners of conscience.",
            "consent": True,
        },
    )
    assert reply.status == 202, reply.body
    return email


def status_links_to(server: LocalServer, email: str, count: int = 1) -> list[str]:
    """The status links in the emails sent to `email` (oldest first), once there are `count`:
    links to this local stack's /status, the token in the fragment."""
    found: list[str] = []
    for sent in server.wait_for_emails(lambda e: email in e["to"], count, timeout=10):
        body = sent["body"].replace("\u2060", "")  # shown inert, with word joiners
        found += [match[0] for match in STATUS_LINK.finditer(body)]
    assert len(found) >= count, f"{count} status links expected in the emails to the founder, found {len(found)}"
    assert all(link.startswith(f"{server.url}/status#t=") for link in found), found
    return found


def the_link_in_the_acknowledgement(server: LocalServer, email: str) -> str:
    return status_links_to(server, email)[0]


def token_of(link: str) -> str:
    return link.split("#t=", 1)[1]


def group_id_of(server: LocalServer, founder_link: str) -> str:
    reply = server.call("GET", "/status", headers={"Authorization": f"Bearer {token_of(founder_link)}"})
    assert reply.status == 200, reply.body
    return reply.body["group_id"]


def organizer_headers(server: LocalServer) -> dict[str, str]:
    """The routed organizer's sign-in, as the organizer API wants it."""
    login = server.call("POST", "/_local/login", {"email": ZIP_94110_COORDINATOR.email})
    assert login.status == 200, login.body
    return {"Authorization": f"Bearer {login.body['token']}"}


def organizer_view_of(server: LocalServer, group_id: str) -> dict:
    """The group as its routed organizer sees it through the organizer API."""
    reply = server.call("GET", f"/groups/{group_id}", headers=organizer_headers(server))
    assert reply.status == 200, reply.body
    return reply.body


def heading_is_focused(page, text: str) -> None:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(text)
    expect(heading).to_be_focused()


def accessible(page) -> None:
    assert serious_axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def the_token_stayed_out_of_urls_and_local_storage(visit: Visit, link: str) -> None:
    token = token_of(link)
    assert token not in visit.page.url
    assert all(token not in url for _, url, _ in visit.requests)  # the fragment never travels
    assert visit.page.evaluate("window.localStorage.length") == 0
    assert visit.outside == []


# ---------------------------------------------------------------------- the journey


def test_from_the_acknowledgement_link_the_founder_adds_two_core_members_and_reports_a_meeting_that_the_organizer_sees(
    server, visit, shots
):
    # Given: a founder who sent the form, and the link in the acknowledgement email
    email = a_founder_sends_the_form(server)
    link = the_link_in_the_acknowledgement(server, email)
    page = visit.page

    # When: they open it
    page.goto(link)

    # Then: their group, at step 1, with the gate as a checklist; the token left the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text("Your group")
    expect(page.locator(".stage-step")).to_have_text("Step 1 of 5: Learn More")
    expect(page.locator(".checklist li")).to_have_count(1)
    expect(page.locator(".checklist li").first).to_contain_text("Not yet")
    expect(page.get_by_text(ZIP_94110_COORDINATOR.name)).to_be_visible()
    assert urlsplit(page.url).fragment == ""
    assert ("GET", f"Bearer {token_of(link)}") in visit.api_calls("/status")
    accessible(page)
    shots.take(page, "01-home-new-group")

    # When: a core member is added, first with nothing filled in
    page.get_by_role("link", name="Add a core member or member").click()
    heading_is_focused(page, "Add someone to your group")
    accessible(page)
    shots.take(page, "02-add-member")
    page.get_by_role("button", name="Add to my group").click()

    # Then: the error summary takes the focus and links to each field
    summary = page.locator("#member-errors")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter their name", "Choose core member or member"])
    expect(page.locator("#member-name")).to_have_attribute("aria-invalid", "true")
    accessible(page)
    shots.take(page, "03-add-member-refused")
    summary.get_by_role("link", name="Enter their name").click()
    expect(page.locator("#member-name")).to_be_focused()

    page.get_by_label("Their name").fill("Ben Ortiz")
    page.get_by_label("Core member").check()
    page.get_by_role("button", name="Add to my group").click()
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_have_text("Ben Ortiz is now a core member of your group.")
    # read with the focused heading by a screen reader
    expect(page.get_by_role("heading", level=1)).to_have_accessible_description(
        "Ben Ortiz is now a core member of your group."
    )

    # When: the second one with the keyboard alone
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Add a core member or member":
            break
    page.keyboard.press("Enter")
    heading_is_focused(page, "Add someone to your group")
    page.keyboard.press("Tab")  # the name
    page.keyboard.type("Cleo Park")
    page.keyboard.press("Tab")  # the email
    page.keyboard.type(f"cleo-{uuid.uuid4().hex[:6]}@example.com")
    page.keyboard.press("Tab")  # the radios: the first, Core member
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_have_text("Cleo Park is now a core member of your group.")

    # When: a meeting is reported
    page.get_by_role("link", name="Report a meeting, letter writing, an event or recruiting").click()
    heading_is_focused(page, "Report what your group did")
    page.get_by_label("A meeting").check()
    page.get_by_label("Notes").fill("First meeting, at the library.")
    accessible(page)
    shots.take(page, "04-report")
    page.get_by_role("button", name="Report it").click()

    # Then: the page shows the three core members and the meeting, reported by the founder
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_contain_text("Reported: Meeting on")
    expect(page.locator(".people").first.locator("li")).to_have_text(["Ana Souza (you)", "Ben Ortiz", "Cleo Park"])
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Ben Ortiz joined as a core member")
    expect(timeline.locator("li").last).to_contain_text("You sent the form")
    expect(timeline.locator("li", has_text="Meeting")).to_contain_text("Reported by you")
    accessible(page)
    shots.take(page, "05-home-after-reports")

    # And: the organizer sees them, marked as reported by the founder
    group = organizer_view_of(server, group_id_of(server, link))
    core = {m["name"]: m for m in group["members"] if m["role"] == "core"}
    assert set(core) >= {"Ben Ortiz", "Cleo Park"}
    assert {core["Ben Ortiz"]["reported_by"], core["Cleo Park"]["reported_by"]} == {"founder"}
    meetings = [a for a in group["activities"] if a["kind"] == "meeting"]
    assert [(m["notes"], m["reported_by"]) for m in meetings] == [("First meeting, at the library.", "founder")]

    # When: the organizer logs their conversation and moves the group on to Organize a Core
    organizer = organizer_headers(server)
    group_url = f"/groups/{group['group_id']}"
    talked = {"kind": "conversation", "date": group["created_at"][:10]}
    assert server.call("POST", f"{group_url}/activities", talked, headers=organizer).status == 201
    assert server.call("POST", f"{group_url}/stage", {"to": "organize_core"}, headers=organizer).status == 200

    # Then: on reload the founder sees step 2 and its gate met by the core they reported
    page.reload()
    expect(page.locator(".stage-step")).to_have_text("Step 2 of 5: Organize a Core")
    expect(page.locator(".checklist li")).to_have_text(["✓Done: Core members, you included: 3 of 3"])
    expect(page.get_by_text("Everything is done for this step.")).to_be_visible()
    accessible(page)
    shots.take(page, "05b-home-gate-met")
    the_token_stayed_out_of_urls_and_local_storage(visit, link)


def test_a_refused_phone_is_shown_at_its_field_the_corrected_details_are_saved_and_emails_can_be_stopped(
    server, visit, shots
):
    # Given: a founder on their page, correcting their details with a number that is not one
    link = the_link_in_the_acknowledgement(server, a_founder_sends_the_form(server))
    page = visit.page
    page.goto(link)
    page.get_by_role("link", name="Correct your name, phone or city").click()
    heading_is_focused(page, "Correct your details")
    expect(page.get_by_label("Your name")).to_have_value("Ana Souza")

    page.get_by_label("Phone").fill("123")
    page.get_by_role("button", name="Save my details").click()

    # Then: the server's problem is beside the field and in the focused summary
    expect(page.locator("#contact-errors")).to_be_focused()
    expect(page.locator("#contact-phone-error")).to_contain_text("Phone")
    expect(page.locator("#contact-phone")).to_have_attribute("aria-invalid", "true")
    accessible(page)
    shots.take(page, "06-details-refused")

    # When: corrected
    page.get_by_label("Phone").fill("(415) 555-0199")
    page.get_by_label("Your name").fill("Ana María Souza")
    page.get_by_role("button", name="Save my details").click()

    # Then: saved, and the page shows the new name
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_have_text("Your details are saved.")
    expect(page.locator(".people").first).to_contain_text("Ana María Souza (you)")

    # When: they stop the emails about their group
    page.get_by_role("link", name="Stop emails about my group").click()
    heading_is_focused(page, "Stop emails about your group")
    accessible(page)
    shots.take(page, "06b-stop-emails")
    page.get_by_role("button", name="Stop the emails").click()

    # Then: the page says so, and offers it no more
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_have_text("We stopped the emails about your group.")
    expect(page.get_by_text("You stopped our emails about your group.")).to_be_visible()
    expect(page.get_by_role("link", name="Stop emails about my group")).to_have_count(0)


def test_a_lost_link_is_emailed_again_and_the_answer_is_the_same_for_an_address_without_a_group(server, visit, shots):
    # Given: a founder without their link, on /status
    email = a_founder_sends_the_form(server)
    the_link_in_the_acknowledgement(server, email)
    page = visit.page
    page.goto("/status")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your group’s page")
    accessible(page)
    shots.take(page, "07-email-me-my-link")

    # When: sent empty, then with their address
    page.get_by_role("button", name="Email me my link").click()
    expect(page.locator("#link-errors")).to_be_focused()
    expect(page.locator("#link-email-error")).to_contain_text("Enter your email address")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me my link").click()

    # Then: a neutral answer, and a fresh link in their inbox that opens the page
    heading_is_focused(page, "Check your email")
    expect(page.get_by_role("status")).to_have_text(SAME_ANSWER)
    accessible(page)
    shots.take(page, "08-link-sent")
    fresh = status_links_to(server, email, count=2)[-1]
    page.goto(fresh)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your group")

    # And: an address with no group gets the very same answer, and no email
    stranger = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    other = visit.context.new_page()
    other.goto("/status")
    other.get_by_label("Email address").fill(stranger)
    other.get_by_role("button", name="Email me my link").click()
    expect(other.get_by_role("status")).to_have_text(SAME_ANSWER)
    assert server.wait_for_emails(lambda e: stranger in e["to"], 1, timeout=1) == []


def test_withdrawing_closes_the_group_for_the_organizer_and_the_page_still_offers_erasure(server, visit, shots):
    # Given: a founder on their page
    link = the_link_in_the_acknowledgement(server, a_founder_sends_the_form(server))
    group_id = group_id_of(server, link)
    page = visit.page
    page.goto(link)

    # When: they start to withdraw, change their mind, then withdraw
    page.get_by_role("link", name="I no longer want to start a group").click()
    heading_is_focused(page, "I no longer want to start a group")
    accessible(page)
    shots.take(page, "09-withdraw-confirm")
    page.get_by_role("link", name="No, keep my group").click()
    heading_is_focused(page, "Your group")
    page.get_by_role("link", name="I no longer want to start a group").click()
    page.get_by_label("Anything you want your organizer to know?").fill("Moving away.")
    page.get_by_role("button", name="Yes, close my group").click()

    # Then: confirmed on the page, which shows the group closed and offers erasure
    heading_is_focused(page, "Your group")
    expect(page.get_by_role("status")).to_contain_text("We will not email you about it again.")
    expect(page.get_by_text("You told us you no longer want to start a group.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Erase my data")).to_be_visible()
    expect(page.get_by_role("link", name="I no longer want to start a group")).to_have_count(0)
    accessible(page)
    shots.take(page, "10-withdrawn")
    group = organizer_view_of(server, group_id)
    assert (group["stage"], group["closed_reason"]) == ("closed", "withdrawn")

    # And: the old link still opens the closed group, to erase its data
    again = visit.context.new_page()
    again.goto(link)
    expect(again.get_by_text("You told us you no longer want to start a group.", exact=True)).to_be_visible()
    again.get_by_role("link", name="Erase my data").click()
    heading_is_focused(again, "Erase my data")
    accessible(again)
    shots.take(again, "11-withdrawn-link-offers-erasure")
    the_token_stayed_out_of_urls_and_local_storage(visit, link)


def test_erasing_asks_for_a_clear_confirmation_then_the_link_stops_working(server, visit, shots):
    # Given: a founder on the erase page
    link = the_link_in_the_acknowledgement(server, a_founder_sends_the_form(server))
    page = visit.page
    page.goto(link)
    page.get_by_role("link", name="Erase my data").click()
    heading_is_focused(page, "Erase my data")
    shots.take(page, "12-erase-confirm")

    # When: the button is pressed without ticking the confirmation
    page.get_by_role("button", name="Erase my data").click()

    # Then: nothing is erased; the summary says what is missing
    expect(page.locator("#erase-errors")).to_be_focused()
    expect(page.locator("#erase-confirm")).to_have_attribute("aria-invalid", "true")
    accessible(page)
    shots.take(page, "13-erase-refused")
    assert server.call("GET", "/status", headers={"Authorization": f"Bearer {token_of(link)}"}).status == 200

    # When: confirmed
    page.get_by_label("I understand that my data will be erased").check()
    page.get_by_role("button", name="Erase my data").click()

    # Then: erased, and the link is refused from now on
    heading_is_focused(page, "Your data has been erased")
    assert page.evaluate("window.sessionStorage.length") == 0  # the tab forgot the token
    accessible(page)
    shots.take(page, "14-erased")
    assert server.call("GET", "/status", headers={"Authorization": f"Bearer {token_of(link)}"}).status == 401
