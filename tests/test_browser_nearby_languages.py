"""The public form in a real browser, for what it offers beyond starting a group: the groups
near the applicant's ZIP, joining one of them instead of starting one, and Spanish, down to
the founder's emails (the acknowledgement and a scheduled reminder) and page. Screenshots of the form
in both languages at phone size go to docs/ (docs/nearby-and-languages.md shows them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from local.template import ROOT
from tests.browser_pages import PHONE, serious_axe_violations
from tests.local_server import LocalServer
from tests.test_browser import DIRECTORY
from tests.test_founder_page_browser import STATUS_LINK

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)  # a form goes through the whole local stack; the machine may be busy

SHOTS = ROOT / "docs" / "screens"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("nearby-languages"))
    yield started
    started.stop()


@pytest.fixture
def context_for(browser, server):
    opened = []

    def make(locale: str = "en-US") -> Any:
        context = browser.new_context(base_url=server.url, locale=locale, viewport=PHONE)
        context.route(
            "**/*",
            lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort(),
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in opened:
        context.close()


def day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def admin(stack) -> dict[str, str]:
    token = stack.call("POST", "/_local/login", {"email": "admin@example.org"}).body["token"]
    return {"Authorization": f"Bearer {token}"}


def group_of(stack, name: str, state: str, auth: dict[str, str]) -> dict[str, Any]:
    """The one group whose founder has this (unique) name, among the state's groups."""
    items = stack.call("GET", f"/groups?state={state}&limit=100", headers=auth).body["items"]
    found = [g for g in items if g["founder_name"] == name]
    assert len(found) == 1, items
    return found[0]


def chartered_group(stack, city: str, zip_code: str) -> tuple[str, int]:
    """A group sent through the form and carried to its charter through the organizer API."""
    auth = admin(stack)
    name = f"Olu Bello {uuid.uuid4().hex[:6]}"
    email = f"founder-{uuid.uuid4().hex[:8]}@example.com"
    form = {"name": name, "email": email, "city": city, "state": "CA", "zip": zip_code, "consent": True}
    assert stack.call("POST", "/inquiries", form).status in (200, 201, 202)
    stack.group_id_of(email)  # stored by the intake queue's consumer a moment after the answer
    gid = group_of(stack, name, "CA", auth)["group_id"]

    def post(what: str, body: dict[str, Any]) -> Any:
        reply = stack.call("POST", f"/groups/{gid}/{what}", body, headers=auth)
        assert reply.status in (200, 201), reply.body
        return reply.body

    post("activities", {"kind": "conversation", "date": day(0)})
    post("stage", {"to": "organize_core"})
    for n in (1, 2):
        post("members", {"name": f"Core {n}", "email": f"core{n}-{uuid.uuid4().hex[:6]}@example.net", "role": "core"})
    post("stage", {"to": "step_up_activism"})
    for n in (1, 2):
        post("members", {"name": f"Member {n}", "role": "member"})
    for offset in (-70, -35, 0):
        post("activities", {"kind": "meeting", "date": day(offset)})
    post("activities", {"kind": "letter_writing", "date": day(-20)})
    post("activities", {"kind": "event", "date": day(-10)})
    post("stage", {"to": "get_chartered"})
    chartered = post("stage", {"to": "develop_plan", "case_id": "AMR 51/001/2026"})
    return gid, chartered["group_number"]


def fill_form(page, labels: dict[str, str], values: dict[str, str]) -> None:
    for field, text in labels.items():
        if field == "state":
            page.get_by_label(text).select_option(values[field])
        elif field == "consent":
            page.get_by_label(text).check()
        else:
            page.get_by_label(text).fill(values[field])


ENGLISH = {
    "name": "Your name",
    "email": "Email",
    "city": "City or town",
    "state": "State or territory",
    "zip": "ZIP code",
    "consent": "I agree that an organizer may contact me",
}
SPANISH = {
    "name": "Tu nombre",
    "email": "Correo electrónico",
    "city": "Ciudad o pueblo",
    "state": "Estado o territorio",
    "zip": "Código postal (ZIP)",
    "consent": "Acepto que una persona organizadora me contacte",
}


def test_an_applicant_near_a_chartered_group_joins_it_and_its_organizer_gets_the_join(context_for, server):
    # given a chartered group in Oakland
    gid, number = chartered_group(server, "Oakland", "94612")
    organizer_id = server.call("GET", f"/groups/{gid}", headers=admin(server)).body["organizer_id"]
    organizer = next(o for o in DIRECTORY.organizers if o.id == organizer_id)
    page = context_for()
    page.goto("/")
    # when someone in a ZIP nearby fills the form
    email = f"rosa-{uuid.uuid4().hex[:8]}@example.net"
    values = {"name": "Rosa Díaz", "email": email, "city": "Oakland", "state": "CA", "zip": "94607"}
    fill_form(page, ENGLISH, values)
    # then the groups near them are offered, and starting a new group is the default
    nearby = page.get_by_role("group", name="Groups near you")
    expect(nearby).to_be_visible()
    choice = page.get_by_label(f"Join group {number}, Oakland")
    expect(choice).to_be_visible()
    expect(page.get_by_label("Start a new group")).to_be_checked()
    assert serious_axe_violations(page) == []
    nearby.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "form-nearby-en.png"), full_page=False)
    # when they choose to join it, with the keyboard, and send
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    # then the consent now says the founder receives their name and email, and asks again
    consent = page.get_by_role("checkbox", name="the group's founder receives my name and email")
    expect(consent).not_to_be_checked()
    consent.focus()
    page.keyboard.press("Space")
    assert serious_axe_violations(page) == []
    consent.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "form-join-consent-phone.png"), full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    consent.evaluate("node => node.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SHOTS / "form-join-consent-desktop.png"), full_page=False)
    page.get_by_role("button", name="Ask to join this group").click()
    # then they are thanked, told who will be in touch
    expect(page.locator("#result-heading")).to_have_text("Thank you! We've passed on your request")
    expect(page.locator("#result-organizer")).to_contain_text(organizer.name)
    expect(page.locator("#result-next-step")).to_contain_text(f"local group #{number}")
    # and the group's organizer gets the join; the person hears who will be in touch
    joins = server.wait_for_emails(lambda e: organizer.email in e["to"] and "wants to join" in e["subject"], 1)
    assert [e["subject"] for e in joins] == [f"Someone wants to join local group #{number} (Oakland)"]
    assert "Rosa Díaz" in joins[0]["body"]
    to_rosa = server.wait_for_emails(lambda e: email in e["to"], 1)
    assert organizer.name in to_rosa[0]["body"]
    # and no group was started for them
    listed = server.call("GET", "/groups?state=CA&limit=100", headers=admin(server)).body["items"]
    assert [g for g in listed if g["founder_name"] == "Rosa Díaz"] == []


def test_the_whole_form_in_spanish_then_the_founders_emails_in_spanish(context_for, server):
    # given a browser that prefers Spanish (Puerto Rico)
    page = context_for("es-PR")
    page.goto("/")
    # then the form is in Spanish, and says so
    expect(page.get_by_role("heading", level=1)).to_have_text("Forma un grupo")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(SHOTS / "form-es.png"), full_page=False)
    assert serious_axe_violations(page) == []
    # when a field is left out, the problem is in Spanish too
    page.get_by_role("button", name="Enviar mi solicitud").click()
    expect(page.locator("#name-error")).to_have_text("Escribe tu nombre.")
    # when the whole form is filled in Spanish and sent
    email = f"lucia-{uuid.uuid4().hex[:8]}@example.com"
    name = f"Lucía Rivera {uuid.uuid4().hex[:4]}"
    values = {"name": name, "email": email, "city": "San Juan", "state": "PR", "zip": "00901"}
    fill_form(page, SPANISH, values)
    page.get_by_label("¿En qué te gustaría que trabaje tu grupo?").fill("Cartas por presos de conciencia.")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    # then the answer is in Spanish
    expect(page.locator("#result-heading")).to_have_text("¡Gracias! Recibimos tu solicitud")
    # and so is the founder's acknowledgement; the organizer's is English and names Spanish
    [thanks] = server.wait_for_emails(lambda e: email in e["to"], 1)
    assert thanks["subject"] == "Gracias por tu interés en formar un grupo local"
    assert f"Hola, {name}:" in thanks["body"]
    auth = admin(server)
    group = group_of(server, name, "PR", auth)
    assert server.call("GET", f"/groups/{group['group_id']}", headers=auth).body["language"] == "es"
    # and the link in it opens the founder's page in Spanish (the group's language)
    page.goto(STATUS_LINK.search(thanks["body"].replace("\u2060", ""))[0])
    expect(page.get_by_role("heading", name="Tu grupo", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_text("Paso 1 de 5: Infórmate")).to_be_visible()
    page.screenshot(path=str(SHOTS / "status-es.png"), full_page=False)
    assert serious_axe_violations(page) == []
    # when the group starts and then goes quiet, and the daily run comes 46 days later
    gid = group["group_id"]
    server.call("POST", f"/groups/{gid}/activities", {"kind": "conversation", "date": day(0)}, headers=auth)
    assert server.call("POST", f"/groups/{gid}/stage", {"to": "organize_core"}, headers=auth).status == 200
    later = (datetime.now(UTC) + timedelta(days=46)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": later}).status == 200
    # then the founder's reminder is in Spanish
    reminders = server.wait_for_emails(lambda e: email in e["to"] and "Cómo va" in e["subject"], 1)
    assert [e["subject"] for e in reminders] == ["¿Cómo va tu grupo en San Juan?"]
    assert "Lo que falta antes del próximo paso" in reminders[0]["body"]


def test_the_language_buttons_switch_the_form_both_ways(context_for):
    page = context_for("en-US")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a Group")
    page.screenshot(path=str(SHOTS / "form-en.png"), full_page=False)
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forma un grupo")
    expect(page.get_by_label("Tu nombre")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a Group")
    expect(page.locator("html")).to_have_attribute("lang", "en")
