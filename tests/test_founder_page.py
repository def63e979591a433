"""The founder's own page (DESIGN §2b): magic-link tokens, reading the group, reporting
progress, correcting details, asking for a link, withdrawing and unsubscribing."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from shared.api import founder_tokens
from shared.storage import groups, inquiries
from tests import given
from tests.conftest import sent_emails
from tests.pipeline import ADMIN, VALID_FORM, api, call_api, run_async, submit

FOUNDER_EMAIL = "Ana.Souza@example.com"


def now() -> datetime:
    return datetime.now(UTC)


def founder_api(aws, method: str, path: str, token: str | None, body=None, **kw):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return call_api(aws, "FounderFunction", method, path, body=body, headers=headers, **kw)


def link_token(text: str) -> str:
    (token,) = set(re.findall(r"/status#t=([\w.-]+)", text))
    return token


@pytest.fixture
def founded(aws, built_once):
    """A new group, its emails sent; the token from the acknowledgement email's link."""

    def build(stack):
        submit(stack)
        run_async(stack)
        group_id = given.open_group_of(FOUNDER_EMAIL)
        (ack,) = [e for e in sent_emails() if e.to == [FOUNDER_EMAIL]]
        return group_id, link_token(ack.text)

    return built_once("founded", build)


# --- the link and what it opens -------------------------------------------------------------


def test_the_acknowledgement_email_links_to_the_founders_page(aws, founded, directory):
    group_id, token = founded

    response = founder_api(aws, "GET", "/status", token)

    assert response.status == 200, response.body
    body = response.body
    assert body["group_id"] == group_id
    assert body["stage"] == "learn_more"
    assert body["stage_title"] == "Step 1: Learn More"
    assert "informal conversation" in body["stage_text"]
    assert body["next_gate"]["to"] == "organize_core"
    assert body["next_gate"]["unmet"] == ["conversation"]
    assert body["next_gate"]["checklist"][0]["have"] == 0
    assert body["organizer"]["email"] == directory.get("ac-ca-north").email
    assert body["founder"] == {"name": "Ana Souza", "email": FOUNDER_EMAIL, "phone": "+14155550142"}
    assert (body["members"], body["activities"], body["history"]) == ([], [], [])


def test_every_founder_email_carries_a_link_and_one_click_unsubscribe_headers(aws, founded):
    (ack,) = [e for e in sent_emails() if e.to == [FOUNDER_EMAIL]]

    assert ack.html.count("/status#t=") >= 1
    unsubscribe = ack.raw["List-Unsubscribe"]
    assert re.fullmatch(r"<https://api\.start-a-group\.example\.org/status/unsubscribe/[\w.-]+>", unsubscribe)
    assert ack.raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    organizer_emails = [e for e in sent_emails() if e.to != [FOUNDER_EMAIL]]
    assert all(e.raw["List-Unsubscribe"] is None and "#t=" not in e.text for e in organizer_emails)


def test_tokens_name_one_group_and_expire(aws, founded):
    group_id, token = founded
    other = given.new_group(aws, "someone.else@example.com")
    payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["g"] = other  # the same signature on another group's name
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=") + "." + signature
    expired = founder_tokens.issue(group_id, now() - timedelta(days=31))
    unsubscribe_only = founder_tokens.issue(group_id, now(), purpose=founder_tokens.UNSUBSCRIBE)

    refused = {
        "missing": founder_api(aws, "GET", "/status", None),
        "garbage": founder_api(aws, "GET", "/status", "not-a-token"),
        "tampered": founder_api(aws, "GET", "/status", token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        "cross-group": founder_api(aws, "GET", "/status", forged),
        "expired": founder_api(aws, "GET", "/status", expired),
        "wrong purpose": founder_api(aws, "GET", "/status", unsubscribe_only),
    }

    for case, response in refused.items():
        assert response.status == 401, case
        assert response.content_type == "application/problem+json", case
    assert founder_api(aws, "GET", "/status", founder_tokens.issue(other, now())).body["group_id"] == other


def test_the_token_lifetime_is_configurable(aws, founded):
    from shared import settings

    group_id, _ = founded
    aws.resolver.parameters["FounderTokenDays"] = "2"
    settings.reset()
    for var, value in aws.environment("FounderFunction").items():
        __import__("os").environ[var] = value

    issued_3_days_ago = founder_tokens.issue(group_id, now() - timedelta(days=3))
    issued_1_day_ago = founder_tokens.issue(group_id, now() - timedelta(days=1))

    assert founder_api(aws, "GET", "/status", issued_3_days_ago).status == 401
    assert founder_api(aws, "GET", "/status", issued_1_day_ago).status == 200


def test_a_rotated_key_keeps_younger_links_working_until_the_old_key_is_dropped(aws, founded):
    group_id, old_token = founded
    secrets = aws.session.client("secretsmanager")
    secret_id = aws.name("FounderTokenSecret")
    old = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    new = {"id": "k2", "key": "n" * 64}

    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"keys": [new, old]}))
    founder_tokens.clear_cache()
    new_token = founder_tokens.issue(group_id, now())

    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["k"] == "k2"
    assert founder_api(aws, "GET", "/status", old_token).status == 200
    assert founder_api(aws, "GET", "/status", new_token).status == 200

    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"keys": [new]}))
    founder_tokens.clear_cache()
    assert founder_api(aws, "GET", "/status", old_token).status == 401
    assert founder_api(aws, "GET", "/status", new_token).status == 200


# --- reporting progress ---------------------------------------------------------------------


def test_the_founder_adds_core_members_and_reports_a_meeting_and_the_organizer_sees_them(aws, founded, directory):
    group_id, token = founded
    given.advance(group_id, "organize_core")

    added = [
        founder_api(aws, "POST", "/status/members", token, {"name": name, "email": email, "role": "core"})
        for name, email in (("Bo Chen", "bo@example.net"), ("Cy Diaz", "cy@example.net"))
    ]
    meeting = founder_api(aws, "POST", "/status/activities", token, {"kind": "meeting", "date": given.day(0)})

    assert [r.status for r in added] == [201, 201]
    assert meeting.status == 201
    assert meeting.body["activity"]["reported_by"] == "founder"
    status = founder_api(aws, "GET", "/status", token).body
    assert status["next_gate"]["met"] == ["core_members"]
    assert status["next_gate"]["counts"]["core_members"] == 3
    as_organizer = api(aws, "GET", f"/groups/{group_id}", ADMIN).body
    assert [(m["name"], m["reported_by"]) for m in as_organizer["members"]] == [
        ("Bo Chen", "founder"),
        ("Cy Diaz", "founder"),
    ]
    assert ("meeting", "founder") in [(a["kind"], a["reported_by"]) for a in as_organizer["activities"]]
    assert as_organizer["next_gate"]["unmet"] == []  # they count toward the gate


def test_the_founder_sees_the_notes_of_their_own_reports_only(aws, founded):
    group_id, token = founded
    api(aws, "POST", f"/groups/{group_id}/activities", ADMIN,
        {"kind": "conversation", "date": given.day(0), "notes": "Seems hesitant; call again"})  # fmt: skip
    founder_api(
        aws, "POST", "/status/activities", token, {"kind": "meeting", "date": given.day(0), "notes": "At Ana's"}
    )

    view = founder_api(aws, "GET", "/status", token).body

    notes = {(a["kind"], a["reported_by"]): a["notes"] for a in view["activities"]}
    assert notes == {("conversation", "organizer"): None, ("meeting", "founder"): "At Ana's"}
    assert "hesitant" not in json.dumps(view)


def test_the_founder_reports_only_their_kinds_of_activity(aws, founded):
    _, token = founded

    conversation = founder_api(aws, "POST", "/status/activities", token, {"kind": "conversation", "date": given.day(0)})
    bad_date = founder_api(aws, "POST", "/status/activities", token, {"kind": "event", "date": "tomorrow"})

    assert conversation.status == 422
    assert conversation.body["errors"][0]["field"] == "kind"
    assert bad_date.status == 422


def test_the_founder_corrects_their_name_phone_and_city(aws, founded):
    group_id, token = founded

    changed = founder_api(
        aws, "PATCH", "/status/contact", token, {"name": "Ana S. Souza", "phone": "", "city": "Oakland"}
    )
    bad = founder_api(aws, "PATCH", "/status/contact", token, {"phone": "12", "email": "x@example.com"})
    empty = founder_api(aws, "PATCH", "/status/contact", token, {})

    assert changed.status == 200, changed.body
    assert changed.body["founder"]["name"] == "Ana S. Souza"
    assert changed.body["founder"]["phone"] is None
    group = groups.get_group_item(group_id)
    assert (group.founder_name, group.founder_phone, group.city) == ("Ana S. Souza", None, "Oakland")
    assert bad.status == 422
    assert {e["field"] for e in bad.body["errors"]} == {"phone", "body"}
    assert "email" not in json.dumps(bad.body["errors"])  # an unknown field is not named back
    assert empty.status == 422


# --- asking for a link ----------------------------------------------------------------------


def test_asking_for_a_link_always_answers_202_and_emails_only_an_address_with_a_group(aws, founded):
    before = len(sent_emails())

    known = founder_api(aws, "POST", "/status/link", None, {"email": "ana.souza@EXAMPLE.com"})
    unknown = founder_api(aws, "POST", "/status/link", None, {"email": "nobody@example.com"})
    again = founder_api(aws, "POST", "/status/link", None, {"email": FOUNDER_EMAIL})
    run_async(aws)

    assert (known.status, unknown.status, again.status) == (202, 202, 202)
    assert known.body == unknown.body
    (link,) = sent_emails()[before:]  # one an hour, to the address on the group
    assert link.to == [FOUNDER_EMAIL]
    assert founder_api(aws, "GET", "/status", link_token(link.text)).status == 200
    bad = founder_api(aws, "POST", "/status/link", None, {"email": "not an address"})
    assert bad.status == 422


# --- withdrawing, unsubscribing -------------------------------------------------------------


def run_schedules_until(aws, days: int) -> None:
    from local.lambda_runtime import invoke

    for day in range(1, days + 1, 4):
        at = (now() + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
        invoke(aws, "FollowUpsFunction", {"time": at})
        invoke(aws, "WeeklyDigestFunction", {"time": at})
        run_async(aws)


def test_a_withdrawn_founder_gets_only_the_links_they_ask_for_and_can_still_erase(aws, founded, directory):
    group_id, token = founded
    given.advance(group_id, "organize_core")
    run_async(aws)
    before = len(sent_emails())

    withdrawn = founder_api(aws, "POST", "/status/withdraw", token, {"note": "Moving abroad"})
    run_async(aws)
    run_schedules_until(aws, 90)
    unasked = [e for e in sent_emails()[before:] if FOUNDER_EMAIL in e.to]
    founder_api(aws, "POST", "/status/link", None, {"email": FOUNDER_EMAIL})
    run_async(aws)
    view = founder_api(aws, "GET", "/status", token)
    refused = [
        founder_api(aws, "POST", "/status/members", token, {"name": "Bo Chen", "role": "member"}),
        founder_api(aws, "POST", "/status/activities", token, {"kind": "meeting", "date": given.day(0)}),
        founder_api(aws, "PATCH", "/status/contact", token, {"name": "Ana S."}),
        founder_api(aws, "POST", "/status/withdraw", token, {}),
    ]
    stopped = founder_api(aws, "POST", "/status/unsubscribe", token)
    erased = founder_api(aws, "DELETE", "/status", token)

    assert withdrawn.status == 200
    later = sent_emails()[before:]
    assert unasked == []  # nothing they did not ask for
    assert [e.subject for e in later if FOUNDER_EMAIL in e.to] == ["Your group's page: your link"]
    assert any(e.subject.startswith("Group closed") for e in later)  # the organizer hears of it
    assert inquiries.find_open_group_id("ana.souza@example.com") is None  # a new form starts afresh
    assert (view.status, view.body["stage"], view.body["closed_reason"]) == (200, "closed", "withdrawn")
    assert [r.status for r in refused] == [409, 409, 409, 409]
    assert "closed" in refused[0].body["detail"]
    assert (stopped.status, erased.status) == (204, 204)
    assert groups.get_group_item(group_id).erased_at
    assert founder_api(aws, "GET", "/status", token).status == 401  # an erased group's link stops working
    founder_api(aws, "POST", "/status/link", None, {"email": FOUNDER_EMAIL})
    run_async(aws)
    assert len([e for e in sent_emails()[before:] if FOUNDER_EMAIL in e.to]) == 1  # and none is sent


def test_one_click_unsubscribe_stops_all_but_the_emails_about_a_step_they_took(aws, founded):
    group_id, _ = founded
    (ack,) = [e for e in sent_emails() if e.to == [FOUNDER_EMAIL]]
    url = ack.raw["List-Unsubscribe"].strip("<>")
    path = url.split("example.org", 1)[1]
    token = path.rsplit("/", 1)[1]

    clicked = call_api(
        aws, "FounderFunction", "POST", path, raw_body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
        route_key="POST /status/unsubscribe/{token}", path_parameters={"token": token},
    )  # fmt: skip
    before = len(sent_emails())
    given.advance(group_id, "organize_core")  # a stage email: not about a step they took
    founder_api(aws, "POST", "/status/link", None, {"email": FOUNDER_EMAIL})  # about one
    run_async(aws)

    assert clicked.status == 204
    to_founder = [e.subject for e in sent_emails()[before:] if FOUNDER_EMAIL in e.to]
    assert to_founder == ["Your group's page: your link"]


def test_unsubscribe_refuses_a_bad_token(aws, founded):
    response = call_api(
        aws, "FounderFunction", "POST", "/status/unsubscribe/nope",
        route_key="POST /status/unsubscribe/{token}", path_parameters={"token": "nope"},
    )  # fmt: skip

    assert response.status == 401


def test_consent_is_recorded_with_the_group(aws, founded):
    from shared.settings import CONSENT_TEXT_VERSION

    group_id, _ = founded
    group = groups.get_group_item(group_id)

    assert group.consent_version == CONSENT_TEXT_VERSION
    assert group.consent_at == group.created_at


def test_the_form_shows_the_consent_text_of_the_version_recorded():
    from shared.settings import CONSENT_TEXT_VERSION, CONSENT_TEXTS
    from tests.conftest import ROOT

    page = " ".join((ROOT / "web" / "index.html").read_text().split())

    assert CONSENT_TEXTS[CONSENT_TEXT_VERSION]["en"] in page


def test_a_repeat_form_changes_nothing_the_founder_sees(aws, founded):
    group_id, token = founded
    submit(aws, {**VALID_FORM, "name": "Someone Else", "phone": "", "city": "Elsewhere"})

    assert founder_api(aws, "GET", "/status", token).body["founder"]["name"] == "Ana Souza"
    assert groups.get_group_item(group_id).city == "San Francisco"


def test_status_links_asked_for_reach_a_founder_three_times_a_day_at_most(aws, founded):
    from shared.storage import founders

    group_id, token = founded
    founder_api(aws, "POST", "/status/unsubscribe", token)  # they still get links asked for
    before = len(sent_emails())
    today = now().replace(minute=0, second=0, microsecond=0)

    for hour in range(5):  # one an hour gets through the hourly limit
        assert founders.request_link(group_id, today.replace(hour=hour))
    submit(aws, {**VALID_FORM, "email": FOUNDER_EMAIL, "message": "Any news?"})  # a repeat: a link too
    run_async(aws)
    run_async(aws)  # a redelivery sends nothing more

    links = [e for e in sent_emails()[before:] if FOUNDER_EMAIL in e.to and "your link" in e.subject]
    assert len(links) == 3
    day = today.replace(day=1) if today.day != 1 else today.replace(day=2)  # a day of its own
    counted = [founders.count_link_email(group_id, key, day, 3) for key in ("a", "b", "a", "c", "d", "b")]
    assert counted == [True, True, True, True, False, True]  # a retried email is not counted twice
