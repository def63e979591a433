"""The organizer console in a real browser (Debian's Chromium through Playwright) against
one local stack: a group walked from the form to `active` without curl, reassignment, a
stale page, another state's coordinator, an expired session, the keyboard alone, the
Cognito sign-in (code + PKCE) against a local stand-in, and axe-core on every view.
Screenshots at phone and desktop size go to $CONSOLE_SCREENSHOTS when set."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from local.template import ROOT, load
from shared.storage.directory_file import parse_directory_file
from tests.browser_pages import PHONE, axe_source
from tests.browser_pages import SCREEN as DESKTOP
from tests.local_server import LocalServer

pytestmark = pytest.mark.browser


DIRECTORY = {o.id: o for o in parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()).organizers}
COORDINATOR = DIRECTORY["ac-ca-north"]  # ZIP 94110
FIELD_ORGANIZER = DIRECTORY["fo-west"]  # CA
OTHER_STATE_COORDINATOR = DIRECTORY["ac-al"]
GROUP_LINK = re.compile(r"/organizers/groups/([A-Za-z0-9-]+)")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("console"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    wanted = os.environ.get("CONSOLE_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def deployed_csp() -> str:
    """The Content-Security-Policy CloudFront adds in AWS (template.yaml), for plain-http
    127.0.0.1: the managed login is any local port (the stand-in), and no upgrade to https."""
    policy = load()["Resources"]["SiteSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    csp = csp.replace("https://${SignInDomainPrefix}.auth.${AWS::Region}.amazoncognito.com", "http://127.0.0.1:*")
    csp = " ".join(csp.replace("upgrade-insecure-requests", "").split())
    assert "${" not in csp
    return csp


CSP = deployed_csp()


def new_page(browser, server, viewport=DESKTOP) -> Page:
    """A tab that reaches only the local stack, whose pages carry the deployed CSP: anything
    the policy would refuse in AWS (an inline script or style, eval) fails the test here."""
    context = browser.new_context(base_url=server.url, viewport=viewport)

    def local_only_with_csp(route) -> None:
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            route.abort()
        elif route.request.resource_type == "document":
            response = route.fetch(max_redirects=0)  # a redirect is the browser's to follow
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})
        else:
            route.continue_()

    context.route("**/*", local_only_with_csp)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove ...?" confirmations
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.csp_refusals = refused
    return page


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    opened = new_page(browser, server)
    yield opened
    opened.context.close()


# --- steps --------------------------------------------------------------------------------


def send_form(page: Page, name: str, email: str) -> None:
    page.goto("/")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("(415) 555-0142")
    page.get_by_label("City or town").fill("San Francisco")
    page.get_by_label("State or territory").select_option("CA")
    page.get_by_label("ZIP code").fill("94110")
    page.get_by_label("What would you like your group to work on?").fill("Letters for prisoners of conscience.")
    page.get_by_label("I agree that an organizer may contact me").check()
    page.get_by_role("button", name="Send my inquiry").click()
    expect(page.locator("#result")).to_be_visible()


def link_in_email(server: LocalServer, organizer_email: str, founder_email: str) -> str:
    """The group's path from the organizer's new-inquiry email in /_local/outbox."""
    [email] = server.wait_for_emails(
        lambda e: organizer_email in e["to"] and founder_email in e["body"].replace("\u2060", ""), 1
    )
    return "/organizers/groups/" + GROUP_LINK.search(email["body"])[1]


def new_group(server: LocalServer, name: str = "Ana Souza") -> tuple[str, str]:
    """A CA group through the API (for the tests that are not about the form): (path, email)."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"name": name, "email": email, "city": "San Francisco", "state": "CA", "zip": "94110", "consent": True}
    assert server.call("POST", "/inquiries", body).status in (201, 202)
    return link_in_email(server, COORDINATOR.email, email), email


def sign_in_as(page: Page, person) -> None:
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_role("button", name=re.compile("^" + re.escape(person.name))).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Sign out")).click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def notice(page: Page):
    return page.locator("#group-notice")


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def log_activity(page: Page, kind: str, on: date, notes: str = "") -> None:
    form = page.locator("#activity-add")
    form.get_by_label("What happened").select_option(kind)
    form.get_by_label("Date").fill(on.isoformat())
    if notes:
        form.get_by_label("Notes").fill(notes)
    form.get_by_role("button", name="Log activity").click()
    expect(notice(page)).to_have_text("The activity is logged.")


def add_member(page: Page, name: str, role: str = "core") -> None:
    form = page.locator("#member-add")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Role").select_option(role)
    form.get_by_role("button", name="Add member").click()
    expect(notice(page)).to_have_text("The member is added.")


def assert_accessible(page: Page, view: str) -> None:
    page.evaluate(axe_source())  # not a <script> tag: the page's CSP refuses inline scripts
    assert page.csp_refusals == [], page.csp_refusals
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"axe-core on the {view}: {serious}"


def screenshot(page: Page, shots: Path, name: str) -> None:
    """The view at desktop size, then at phone size (each looked at: docs/console.md)."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], f"{name} scrolls sideways"
    page.set_viewport_size(DESKTOP)


# --- the walk of the issue ----------------------------------------------------------------


def test_a_group_goes_from_the_form_to_active_in_the_browser(page, server, shots):
    # Given: a form sent from the public page
    founder = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    send_form(page, "Ana Souza", founder)

    # When: the coordinator opens the link of their email, and signs in
    path = link_in_email(server, COORDINATOR.email, founder)
    page.goto(path)
    assert_accessible(page, "sign-in page")
    screenshot(page, shots, "sign-in")
    sign_in_as(page, COORDINATOR)

    # Then: the group the email named, with the founder's contact and why it came here
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Souza")
    expect(page.get_by_role("link", name=founder)).to_have_attribute("href", "mailto:" + founder)
    expect(page.get_by_role("link", name="+14155550142")).to_have_attribute("href", "tel:+14155550142")
    expect(page.locator(".message")).to_have_text("Letters for prisoners of conscience.")
    expect(page.locator(".facts")).to_contain_text("Area Coordinator for the applicant's ZIP code area")
    expect(page.locator(".checklist")).to_contain_text("0 of 1")
    assert_accessible(page, "group page")
    screenshot(page, shots, "group-new")

    # When: a call goes unanswered, then today's conversation is logged and the group moves on
    click(page, "Tried, no answer")
    expect(notice(page)).to_have_text("The attempt is recorded: tried, no answer.")
    expect(page.locator(".timeline")).to_contain_text("Tried, no answer")
    expect(page.locator(".checklist")).to_contain_text("0 of 1")  # an attempt is not a conversation
    click(page, "Log today's conversation")
    expect(notice(page)).to_have_text("Today's conversation is logged.")
    click(page, "Move to Step 2: Organize a Core")
    expect(notice(page)).to_have_text("Moved to Step 2: Organize a Core.")
    expect(page.locator(".checklist")).to_contain_text("1 of 3")

    # When: two core members join (the founder is the first) and it moves on
    add_member(page, "Bea Lima")
    add_member(page, "Caio Reis")
    click(page, "Move to Step 3: Step up your Activism")
    expect(notice(page)).to_have_text("Moved to Step 3: Step up your Activism.")

    # Then: moving on too early shows what is still unmet, beside the button
    click(page, "Move to Step 4: Get Chartered")
    refusal = page.locator("#move-summary")
    expect(refusal).to_be_focused()
    expect(refusal).to_contain_text("0 of 3")  # meetings
    expect(refusal).to_contain_text("letter-writing")

    # When: meetings over two months, a letter-writing action, an event and two more members
    today = date.today()
    for days_ago in (75, 40, 5):
        log_activity(page, "meeting", today - timedelta(days=days_ago))
    log_activity(page, "letter_writing", today - timedelta(days=4), "Write for Rights")
    log_activity(page, "event", today - timedelta(days=2), "Film night")
    add_member(page, "Dora Melo", "member")
    add_member(page, "Edu Paz", "member")
    expect(page.locator(".checklist .unmet")).to_have_count(0)
    screenshot(page, shots, "group")
    click(page, "Move to Step 4: Get Chartered")
    expect(notice(page)).to_have_text("Moved to Step 4: Get Chartered.")

    # Then: a coordinator cannot charter; the Field Organizer can, and the number shows at once
    expect(page.get_by_role("button", name="Charter the group")).to_have_count(0)
    sign_out(page)
    page.goto(path)
    sign_in_as(page, FIELD_ORGANIZER)
    page.get_by_label("Individual case offered").fill("Case 2026-17")
    click(page, "Charter the group")
    expect(notice(page)).to_have_text(re.compile(r"^Chartered: local group number \d+\.$"))
    number = re.search(r"\d+", notice(page).inner_text())[0]
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Group {number}")

    # When: the plan is recorded and the group marked active
    page.get_by_label("Campaign on the case").fill("Letters and a vigil for the case")
    page.get_by_label("National campaigns").fill("Write for Rights, No Torture")
    page.get_by_label("Growth goal (members)").fill("12")
    page.get_by_label("Partner organizations").fill("City library")
    click(page, "Record the plan")
    expect(notice(page)).to_have_text("The plan is recorded.")
    click(page, "Move to Active chartered group")
    expect(notice(page)).to_have_text("Moved to Active chartered group.")
    assert_accessible(page, "group page, active")

    # Then: the inbox finds it by the founder's name, which stays out of the console's address
    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_focused()
    page.get_by_role("link", name="My states").click()
    page.get_by_label("Founder name, email or city").fill("souza")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".inbox")).to_contain_text("Ana Souza")
    expect(page.locator(".inbox .badge").first).to_have_text("Active")
    assert "souza" not in page.url.lower()
    assert_accessible(page, "inbox")
    screenshot(page, shots, "inbox")
    page.get_by_role("link", name="Reports").click()
    active = page.locator('svg.funnel g[data-stage="active"] .funnel-count')
    expect(active).not_to_have_text("0")
    assert int(active.text_content()) == int(page.locator("table.pipeline tfoot td").nth(5).inner_text())
    expect(page.locator(".facts")).to_contain_text("From inquiry to first contact")
    assert_accessible(page, "reports")
    screenshot(page, shots, "reports")

    # And: the groups CSV downloads with the group in it
    with page.expect_download() as download:
        click(page, "Download groups (CSV)")
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("group_id,")
    assert any(founder in row and ",active," in row for row in rows[1:])


# --- what can go wrong --------------------------------------------------------------------


def test_a_stale_page_says_someone_else_changed_the_group_and_overwrites_nothing(browser, server, page):
    # Given: the same group open in two tabs of one coordinator
    path, _ = new_group(server, "Rui Costa")
    page.goto(path)
    sign_in_as(page, COORDINATOR)
    expect(page.locator(".checklist")).to_contain_text("0 of 1")
    other = page.context.new_page()  # a tab of its own: its own sign-in (sessionStorage is per tab)
    other.goto(path)
    sign_in_as(other, COORDINATOR)
    expect(other.locator(".checklist")).to_contain_text("0 of 1")

    # When: the second tab logs the conversation, then the first (still showing the old version) does too
    other.get_by_role("button", name="Log today's conversation").click()
    expect(other.locator("#group-notice")).to_have_text("Today's conversation is logged.")
    click(page, "Log today's conversation")

    # Then: the first tab says so, with a reload, and the group holds one conversation
    summary = page.locator("#quick-conversation-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Someone else changed this group")
    summary.get_by_role("button", name="Reload").click()
    expect(page.locator(".timeline")).to_contain_text("Conversation")
    expect(page.locator(".timeline .t-activity")).to_have_count(1)


def test_a_coordinator_of_another_state_is_told_the_group_is_not_theirs(server, page):
    path, _ = new_group(server, "Lia Prado")
    page.goto(path)
    sign_in_as(page, OTHER_STATE_COORDINATOR)

    expect(page.get_by_role("heading", level=1)).to_have_text("Not in your states")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.locator("main")).not_to_contain_text("Lia Prado")
    assert_accessible(page, "page of a group in another state")


def test_an_expired_session_goes_back_to_sign_in_and_loses_nothing(server, page):
    # Given: a coordinator typing a new member's name on the group page
    path, _ = new_group(server, "Ivo Matos")
    page.goto(path)
    sign_in_as(page, COORDINATOR)
    form = page.locator("#member-add")
    form.get_by_label("Name").fill("Nina Alves")
    form.get_by_label("Email").fill("nina@example.com")

    # When: the session has run out (the server refuses the token) and they press Add member
    page.evaluate(
        """() => {
          const s = JSON.parse(sessionStorage.getItem('sag.session'));
          const [h, , sig] = s.token.split('.');
          const claims = JSON.parse(atob(s.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
          claims.exp += 7200;  // still in time for the page; a signature that no longer fits for the server
          const body = btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
          s.token = [h, body, sig].join('.');
          sessionStorage.setItem('sag.session', JSON.stringify(s));
        }"""
    )
    form.get_by_role("button", name="Add member").click()

    # Then: sign-in, and after it the same page with what was typed still there
    sign_in_as(page, COORDINATOR)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    form = page.locator("#member-add")
    expect(form.get_by_label("Name")).to_have_value("Nina Alves")
    expect(form.get_by_label("Email")).to_have_value("nina@example.com")
    form.get_by_role("button", name="Add member").click()
    expect(notice(page)).to_have_text("The member is added.")
    assert page.evaluate("Object.keys(localStorage)") == []


def focus_on(page: Page, name: str, limit: int = 60) -> None:
    """Tab forward until the control named `name` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        label = page.evaluate("(() => { const e = document.activeElement; return e ? (e.innerText || e.id) : ''; })()")
        if label.strip().startswith(name):
            return
    pytest.fail(f"Tab never reached {name!r}")


def test_the_main_path_works_with_the_keyboard_alone(server, browser):
    page = new_page(browser, server, PHONE)
    path, _ = new_group(server, "Teo Brandão")
    page.goto(path)

    # Sign in: Tab to the account, Enter
    focus_on(page, COORDINATOR.name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Teo Brandão")
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # Log the conversation, then move on
    focus_on(page, "Log today's conversation")
    page.keyboard.press("Enter")
    expect(notice(page)).to_have_text("Today's conversation is logged.")
    expect(notice(page)).to_be_focused()
    focus_on(page, "Move to Step 2")
    page.keyboard.press("Enter")
    expect(notice(page)).to_have_text("Moved to Step 2: Organize a Core.")

    # Add a core member: type the name, submit with Enter
    focus_on(page, "member-add-name")
    page.keyboard.type("Vera Nunes")
    page.keyboard.press("Enter")
    expect(notice(page)).to_have_text("The member is added.")
    expect(page.locator(".members")).to_contain_text("Vera Nunes")

    # A refused submit puts the focus on the summary, whose link leads to the field
    focus_on(page, "member-add-name")
    page.keyboard.press("Enter")
    summary = page.locator("#member-add-summary")
    expect(summary).to_be_focused()
    focus_on(page, "Name:")
    page.keyboard.press("Enter")
    expect(page.locator("#member-add-name")).to_be_focused()
    page.context.close()


# --- signing in through Cognito's managed login (authorization code + PKCE) ---------------


class CognitoStandIn:
    """/oauth2/authorize and /oauth2/token as Cognito's managed login answers them, for one
    public client: the code is handed out for an S256 challenge and traded for tokens only
    with the verifier that hashes to it. The ID token is a real one of the local stack."""

    CLIENT_ID = "console-client"

    def __init__(self, stack: LocalServer, email: str) -> None:
        self.stack, self.email = stack, email
        self.codes: dict[str, dict[str, str]] = {}
        self.authorize_queries: list[dict[str, str]] = []
        self.exchanges: list[str] = []  # "ok" or why not
        self.logouts: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # the browser is sent here to sign in
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/logout" and query.get("client_id") == stand_in.CLIENT_ID:
                    stand_in.logouts.append(query["logout_uri"])
                    self.send_response(302)
                    self.send_header("Location", query["logout_uri"])
                    self.end_headers()
                    return
                stand_in.authorize_queries.append(query)
                ok = (
                    url.path == "/oauth2/authorize"
                    and query.get("response_type") == "code"
                    and query.get("client_id") == stand_in.CLIENT_ID
                    and query.get("code_challenge_method") == "S256"
                    and query.get("redirect_uri") == stand_in.stack.url + "/organizers/callback"
                )
                if not ok:
                    self.send_response(400)
                    self.end_headers()
                    return
                code = secrets.token_urlsafe(16)
                stand_in.codes[code] = query
                back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()

            def do_POST(self) -> None:  # the console trades the code for tokens
                form = {
                    k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
                }
                asked = stand_in.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if asked is None:
                    why = "unknown or reused code"
                elif form.get("grant_type") != "authorization_code" or form.get("client_id") != stand_in.CLIENT_ID:
                    why = "wrong grant or client"
                elif form.get("redirect_uri") != asked["redirect_uri"]:
                    why = "another redirect_uri"
                elif digest != asked["code_challenge"]:
                    why = "verifier does not match the challenge"
                else:
                    why = "ok"
                stand_in.exchanges.append(why)
                if why == "ok":
                    token = stand_in.stack.call("POST", "/_local/login", {"email": stand_in.email}).body["token"]
                    status, body = (
                        200,
                        {"id_token": token, "access_token": "a", "token_type": "Bearer", "expires_in": 3600},
                    )
                else:
                    status, body = 400, {"error": "invalid_grant"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", stand_in.stack.url)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_in_aws_organizers_sign_in_with_cognito_code_and_pkce_and_land_on_the_link(server, page):
    # Given: the console configured for Cognito (as `make deploy` writes it) and a group link
    stand_in = CognitoStandIn(server, COORDINATOR.email)
    config = {"auth": "cognito", "domain": stand_in.url, "client_id": CognitoStandIn.CLIENT_ID}
    page.route("**/organizers/config.json", lambda route: route.fulfill(json=config))
    path, _ = new_group(server, "Caio Lins")
    try:
        # When: the organizer opens the link and signs in
        page.goto(path)
        expect(page.locator("main")).not_to_contain_text("seeded account")  # no local sign-in offered
        page.get_by_role("button", name="Sign in", exact=True).click()

        # Then: the code was traded with the verifier of its challenge, and the link's page is shown
        expect(page.get_by_role("heading", level=1)).to_contain_text("Caio Lins")
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))  # no code left in the address
        assert stand_in.exchanges == ["ok"]
        [asked] = stand_in.authorize_queries
        assert "code_verifier" not in asked
        assert len(asked["code_challenge"]) == 43
        assert page.evaluate("Object.keys(localStorage)") == []
        assert page.evaluate("Object.keys(sessionStorage)") == ["sag.session"]  # the verifier is gone

        # And: signing out signs out of the managed login too, and back to the console, and
        # leaves nothing of the console in the tab (search, drafts, way back, verifier)
        page.evaluate(
            """() => { for (const k of ['sag.inbox-search', 'sag.drafts', 'sag.return-to', 'sag.pkce', 'other'])
                       sessionStorage.setItem(k, '{}'); }"""
        )
        page.get_by_role("button", name=re.compile("^Sign out")).click()
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        assert stand_in.logouts == [server.url + "/organizers/sign-in"]
        assert page.evaluate("Object.keys(sessionStorage)") == ["other"]
    finally:
        stand_in.stop()


def test_mine_lists_what_was_routed_to_me_new_inquiries_first(server, page):
    path, email = new_group(server, "Noa Campos")
    page.goto("/organizers/")
    sign_in_as(page, COORDINATOR)

    expect(page.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "page")
    card = page.locator(".inbox li", has_text="Noa Campos")
    expect(card).to_contain_text("New inquiry today")
    card.get_by_role("link", name="Noa Campos").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    # When: four days pass without a conversation (the daily follow-ups run as of then)
    later = (datetime.now(UTC) + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": later}).status == 200

    # Then: the group's timeline shows the reminder that went out
    page.reload()
    expect(page.locator(".timeline")).to_contain_text("Email: first-contact reminder to the organizer")


def test_a_field_organizer_reassigns_a_group_and_both_organizers_are_told(server, page):
    # Given: a group of the ZIP's coordinator, opened by the state's Field Organizer
    path, email = new_group(server, "Gil Souto")
    new_organizer = DIRECTORY["ac-ca-south"]
    page.goto(path)
    sign_in_as(page, FIELD_ORGANIZER)
    expect(page.locator(".facts")).to_contain_text(COORDINATOR.name)

    # When: it is handed to the other coordinator of the state
    page.get_by_text("Reassign to another organizer").click()
    page.get_by_label(re.compile("^New organizer")).select_option(new_organizer.id)
    page.locator("#reassign").get_by_label("Note").fill("Closer to them")
    click(page, "Reassign")

    # Then: the page, the history and both organizers' inboxes say so
    expect(notice(page)).to_have_text("The group is reassigned; both organizers are told.")
    expect(page.locator(".facts")).to_contain_text(new_organizer.name)
    expect(page.locator(".timeline")).to_contain_text(f"Reassigned from {COORDINATOR.name} to {new_organizer.name}")
    told = {
        organizer.name: server.wait_for_emails(
            lambda e, o=organizer, s=subject: o.email in e["to"] and path in e["body"] and e["subject"].startswith(s), 1
        )
        for organizer, subject in ((new_organizer, "A group is now yours"), (COORDINATOR, "Group handed to"))
    }
    assert all(told.values()), told


def test_members_and_activities_are_corrected_removed_and_a_group_closed_and_reopened(server, page):
    path, _ = new_group(server, "Rita Moura")
    page.goto(path)
    sign_in_as(page, COORDINATOR)
    click(page, "Log today's conversation")
    expect(notice(page)).to_have_text("Today's conversation is logged.")

    # A member's name corrected
    click(page, "Move to Step 2: Organize a Core")
    add_member(page, "Bia Lma")
    page.get_by_role("button", name="Correct Bia Lma").click()
    page.locator("#member-edit").get_by_label("Name").fill("Bia Lima")
    page.locator("#member-edit").get_by_role("button", name="Save").click()
    expect(notice(page)).to_have_text("The member is corrected.")
    expect(page.locator(".members")).to_contain_text("Bia Lima")
    expect(page.locator(".members")).not_to_contain_text("Bia Lma")

    # A meeting logged by mistake removed; the member too
    log_activity(page, "meeting", date.today() - timedelta(days=1))
    page.get_by_role("button", name=re.compile("^Remove Meeting")).click()
    expect(notice(page)).to_have_text("The activity is removed.")
    page.get_by_role("button", name="Remove Bia Lima").click()
    expect(notice(page)).to_have_text("Bia Lima is removed.")
    expect(page.locator(".timeline")).to_contain_text("An activity was removed")
    expect(page.locator(".timeline")).to_contain_text("A member was removed")

    # Closed with a reason, then reopened where it was
    page.get_by_text("Close this group").click()
    page.locator("#close").get_by_label("Reason").select_option("duplicate")
    click(page, "Close the group")
    expect(notice(page)).to_have_text("The group is closed.")
    expect(page.locator(".subtitle")).to_contain_text("Closed (Duplicate)")
    click(page, "Reopen at Step 2: Organize a Core")
    expect(notice(page)).to_have_text("Reopened at Step 2: Organize a Core.")


def test_the_inbox_pages_forward_and_back(server, page):
    # Given: more of the coordinator's groups than one page holds (25): those of the tests
    # before, and new ones, each form from its own address (the rate limit is per address)
    token = server.call("POST", "/_local/login", {"email": COORDINATOR.email}).body["token"]
    mine = server.call("GET", "/groups?organizer=me&limit=26", headers={"Authorization": f"Bearer {token}"}).body
    address = ""
    for number in range(26 - len(mine["items"])):
        address = f"paged-{number}-{uuid.uuid4().hex[:6]}@example.com"
        body = json.dumps(
            {"name": f"Paged Founder {number}", "email": address,
             "city": "Oakland", "state": "CA", "zip": "94110", "consent": True}
        )  # fmt: skip
        conn = http.client.HTTPConnection(
            "127.0.0.1", server.port, timeout=30, source_address=(f"127.0.7.{number + 1}", 0)
        )
        conn.request("POST", "/inquiries", body, {"Content-Type": "application/json"})
        assert conn.getresponse().status in (201, 202)
        conn.close()
    if address:  # the intake queue's consumer stores each a moment after its answer
        server.group_id_of(address, timeout=30)
    page.goto("/organizers/")
    sign_in_as(page, COORDINATOR)

    # Then: 25 on the first page, the rest on the next, and back again
    cards = page.locator(".inbox > li")
    expect(cards).to_have_count(25)
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    first = cards.first.inner_text()
    click(page, "Next page")
    expect(page.locator(".count")).to_contain_text("on page 2")
    expect(cards.first).not_to_have_text(first)
    click(page, "Previous page")
    expect(page.locator(".count")).to_contain_text("on page 1")
    expect(cards).to_have_count(25)


def test_a_group_page_shows_the_groups_nearby_to_suggest_joining_one(server, browser, shots):
    from tests.test_browser_nearby_languages import chartered_group

    # Given: a chartered group in Oakland, and a new inquiry from San Francisco (94110)
    oakland, number = chartered_group(server, "Oakland", "94612")
    path, _email = new_group(server, "Ivy Nakamura")
    page = new_page(browser, server, PHONE)
    page.goto(path)
    sign_in_as(page, COORDINATOR)

    # Then: the page lists the chartered group with its distance in miles, under its heading
    section = page.get_by_role("region", name="Groups nearby")
    expect(section.get_by_role("heading", name="Groups nearby", level=2)).to_be_visible()
    chartered = section.get_by_role("list", name="Chartered groups")
    entry = chartered.get_by_role("listitem").filter(has_text=f"Group {number}, Oakland")
    expect(entry).to_contain_text(re.compile(r"\d+\.\d miles away"))
    expect(section).to_contain_text("might join one of the chartered groups")
    assert_accessible(page, "group page with its neighbours")
    page.screenshot(path=str(shots / "console-nearby-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # And: the keyboard reaches the chartered group's link and opens its page
    link = entry.get_by_role("link", name=f"Group {number}, Oakland")
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"/organizers/groups/{oakland}") + "$"))
    page.context.close()
