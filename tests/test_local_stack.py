"""The local stack end to end (DESIGN §6): `python -m local.server` in a subprocess on a
free port, driven over HTTP like a developer or the form would."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from local.routes import Route, routes
from local.schedule_expressions import parse
from local.stack import env_file, state_file
from local.template import ROOT, load, resources_of_type
from shared.storage.directory_file import parse_directory_file
from tests.local_server import LocalServer, port_is_open
from tests.pipeline import VALID_FORM

pytestmark = pytest.mark.stack

DIRECTORY = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
PROTECTED = [r for r in routes(load()) if r.authorizer]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("stack"))
    yield started
    started.stop()


def a_form(**changes) -> dict:
    """The valid form with an email of its own, so tests sharing a server see only their emails."""
    return {**VALID_FORM, "email": f"applicant-{uuid.uuid4().hex[:8]}@example.com", **changes}


def concrete_path(route: Route) -> str:
    return re.sub(r"\{[^}]+\}", "x", route.path)


def test_while_it_starts_health_answers_503_at_once_and_then_200(server):
    # LocalServer.start probed /_local/health every 0.1 s, each probe giving up after 2 s.
    probes = server.boot_probes

    assert probes[-1] == 200
    assert 503 in probes  # the port is served during the boot...
    assert set(probes[:-1]) <= {"refused", 503}  # ...and no probe was left waiting
    assert "Traceback" not in server.log.read_text()


def test_the_form_is_served_at_the_root_and_talks_to_the_same_origin(server):
    page = server.call("GET", "/")

    assert page.status == 200
    assert page.content_type.startswith("text/html")
    assert '<meta name="api-base" content="">' in page.body
    for asset, kind in (("/form.css", "text/css"), ("/form.js", "javascript")):
        reply = server.call("GET", asset)
        assert reply.status == 200
        assert kind in reply.content_type


def test_a_valid_form_puts_the_organizers_and_the_applicants_email_in_the_outbox_within_seconds(server):
    form = a_form()

    created = server.call("POST", "/inquiries", form)
    emails = server.wait_for_emails_about(form["email"], count=2)

    assert created.status == 202
    organizer = created.body["organizer"]
    assert sorted(e["to"][0] for e in emails) == sorted([organizer["email"], form["email"]])
    to_organizer = next(e for e in emails if e["to"] == [organizer["email"]])
    assert form["name"] in to_organizer["body"]
    assert re.search(r"/groups/[0-9a-f-]{36}", to_organizer["body"])
    for email in emails:
        assert datetime.fromisoformat(email["sent_at"]).tzinfo is not None
        assert email["subject"]


def test_invalid_input_is_a_422_problem_naming_the_field(server):
    reply = server.call("POST", "/inquiries", a_form(phone="123"))

    assert reply.status == 422
    assert reply.content_type == "application/problem+json"
    assert reply.body["status"] == 422
    assert [e["field"] for e in reply.body["errors"]] == ["phone"]


def test_a_body_that_is_not_json_is_refused_before_the_domain(server):
    form_encoded = {"Content-Type": "application/x-www-form-urlencoded"}

    reply = server.call("POST", "/inquiries", b"name=Ana", headers=form_encoded)

    assert reply.status == 415
    assert reply.content_type == "application/problem+json"


def test_an_unknown_route_is_a_404_problem(server):
    reply = server.call("GET", "/no/such/route")

    assert reply.status == 404
    assert reply.content_type == "application/problem+json"
    assert set(reply.body) >= {"type", "title", "status", "detail"}


def test_login_gives_a_seeded_organizer_an_id_token_that_the_templates_authorizer_accepts(server):
    coordinator = next(o for o in DIRECTORY.organizers if o.role.value == "area_coordinator")

    reply = server.call("POST", "/_local/login", {"email": coordinator.email.upper()})

    assert reply.status == 200
    physical = server.state()["physical"]
    pool_id = physical["OrganizerUserPool"]["ref"]
    keys = jwt.PyJWKClient(f"{server.state()['aws_endpoint_url']}/{pool_id}/.well-known/jwks.json")
    token = reply.body["token"]
    claims = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=physical["OrganizerUserPoolClient"]["ref"],
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
    )
    assert claims["email"] == coordinator.email
    assert claims["cognito:groups"] == ["area_coordinators"]


def test_login_as_the_demo_admin_puts_them_in_the_admins_group(server):
    token = server.call("POST", "/_local/login", {"email": "admin@example.org"}).body["token"]

    assert jwt.decode(token, options={"verify_signature": False})["cognito:groups"] == ["admins"]


def test_login_refuses_an_unknown_email_and_a_missing_one(server):
    unknown = server.call("POST", "/_local/login", {"email": "stranger@example.com"})
    missing = server.call("POST", "/_local/login", {})

    assert unknown.status == 404
    assert unknown.content_type == "application/problem+json"
    assert missing.status == 422
    assert missing.body["errors"][0]["field"] == "email"


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.route_key)
def test_a_protected_route_refuses_a_missing_or_a_bad_token(server, route):
    method = "GET" if route.method == "ANY" else route.method
    admin_token = login(server, "admin@example.org")
    tampered = admin_token[:-6] + ("AAAAAA" if not admin_token.endswith("AAAAAA") else "BBBBBB")

    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": f"Bearer {tampered}"}):
        reply = server.call(method, concrete_path(route), headers=headers)
        assert reply.status == 401, headers
        assert reply.content_type == "application/problem+json"


def login(server: LocalServer, email: str) -> str:
    reply = server.call("POST", "/_local/login", {"email": email})
    assert reply.status == 200, reply.body
    return reply.body["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_admin_lists_the_groups_with_their_token(server):
    form = a_form()
    server.call("POST", "/inquiries", form)
    group_id = server.group_id_of(form["email"])

    reply = server.call("GET", "/groups", headers=bearer(login(server, "admin@example.org")))

    assert reply.status == 200, reply.body
    assert group_id in {g["group_id"] for g in reply.body["items"]}


def test_a_request_stamped_in_the_past_with_the_dev_header_is_stored_as_of_then(server):
    # X-Local-Request-Time is read by the local gateway only: it is the time API Gateway
    # would stamp on the request (how `make demo` replays a pilot's past year).
    form = a_form(name=f"Past {uuid.uuid4().hex[:8]}", state="VT", zip="05401", city="Burlington")
    admin = bearer(login(server, "admin@example.org"))

    sent = server.call("POST", "/inquiries", form, headers={"X-Local-Request-Time": "2026-03-02T09:00:00Z"})
    server.group_id_of(form["email"])  # stored by the intake queue's consumer a moment after the answer
    listed = server.call("GET", "/groups?state=VT&limit=100", headers=admin).body["items"]
    [found] = [g for g in listed if g["founder_name"] == form["name"]]

    assert sent.status in (201, 202)
    assert found["created_at"] == "2026-03-02T09:00:00Z"
    assert found["updated_at"] == "2026-03-02T09:00:00Z"


def test_a_dev_request_time_that_is_not_a_time_is_a_422_problem(server):
    reply = server.call("POST", "/inquiries", a_form(), headers={"X-Local-Request-Time": "yesterday"})

    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "X-Local-Request-Time"


def test_a_coordinator_reads_a_group_of_their_state_but_not_one_of_another(server):
    coordinator = next(o for o in DIRECTORY.organizers if o.id == "ac-ca-north")
    california, texas = a_form(), a_form(city="Austin", state="TX", zip="78701")
    server.call("POST", "/inquiries", california)
    server.call("POST", "/inquiries", texas)
    in_california, in_texas = server.group_id_of(california["email"]), server.group_id_of(texas["email"])
    token = login(server, coordinator.email)

    own = server.call("GET", f"/groups/{in_california}", headers=bearer(token))
    other = server.call("GET", f"/groups/{in_texas}", headers=bearer(token))

    assert own.status == 200, own.body
    assert own.body["state"] == "CA"
    assert other.status == 403
    assert other.content_type == "application/problem+json"


# --- the JWT authorizer's checks, with tokens signed by the local user pool's own key ----


def reissued(token: str, **changes) -> str:
    """`token` with its claims changed, signed again with the key moto's Cognito signs with
    (so only the changed claims can make the authorizer refuse it)."""
    from moto.utilities.utils import load_resource

    private_jwk = load_resource("cognitoidp/resources/jwks-private.json")
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(private_jwk))
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": private_jwk["kid"]})


def test_a_token_signed_again_with_the_pools_key_and_unchanged_claims_is_accepted(server):
    # The control for the refusals below: re-signing alone does not make a token fail.
    token = reissued(login(server, "admin@example.org"))

    assert server.call("GET", "/groups", headers=bearer(token)).status == 200


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", int(time.time()) - 60),  # expired a minute ago
        ("aud", "another-app-client"),
        ("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeOtherPool"),
    ],
    ids=["expired", "another-client", "another-issuer"],  # fixed: xdist workers must collect the same ids
)
def test_the_authorizer_refuses_an_expired_token_or_one_for_another_client_or_issuer(server, claim, value):
    token = reissued(login(server, "admin@example.org"), **{claim: value})

    reply = server.call("GET", "/groups", headers=bearer(token))

    assert reply.status == 401
    assert reply.content_type == "application/problem+json"
    assert reply.headers["www-authenticate"] == "Bearer"


def template_schedules() -> list[dict[str, str]]:
    out = []
    for function in load()["Resources"].values():
        for name, event in ((function.get("Properties") or {}).get("Events") or {}).items():
            if event["Type"] in ("Schedule", "ScheduleV2"):
                props = event["Properties"]
                out.append({"name": name, "schedule": props.get("ScheduleExpression") or props.get("Schedule")})
    return out


def test_the_schedules_listed_are_those_of_the_template_with_their_next_run(server):
    asked_at = datetime.now(UTC)

    reply = server.call("GET", "/_local/schedules")

    assert reply.status == 200
    listed = sorted(({"name": s["name"], "schedule": s["schedule"]} for s in reply.body), key=lambda s: s["name"])
    assert listed == sorted(template_schedules(), key=lambda s: s["name"])
    for schedule in reply.body:
        # The stack's timer is running: each one's next run is a time its expression fires, ahead.
        next_run = datetime.fromisoformat(schedule["next_run"])
        timing = parse(schedule["schedule"], schedule["timezone"])
        assert next_run > asked_at
        assert timing.after(next_run - timedelta(seconds=1)) == next_run


def test_every_schedule_runs_as_of_a_given_time(server):
    for schedule in template_schedules():
        reply = server.call("POST", f"/_local/schedules/{schedule['name']}/run", {"time": "2026-03-02T09:00:00Z"})
        assert reply.status == 200, (schedule, reply.body)


def test_running_an_unknown_schedule_is_a_404_problem(server):
    unknown = server.call("POST", "/_local/schedules/NoSuchSchedule/run", {"time": "2026-03-02T09:00:00Z"})

    assert unknown.status == 404
    assert unknown.content_type == "application/problem+json"


@pytest.mark.parametrize(
    "time",
    [
        "next monday",
        "0001-01-02T00:00:00Z",
        "0001-01-01T00:00:00+01:00",  # before the first instant datetime has, in UTC
        "9999-12-31T23:59:59-01:00",  # after the last
        "1969-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        20260302,
        None,
    ],
)
def test_running_a_schedule_at_a_time_it_could_not_fire_is_a_422_problem_naming_time(server, time):
    reply = server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": time})

    assert reply.status == 422
    assert reply.content_type == "application/problem+json"
    assert set(reply.body) >= {"type", "title", "status", "detail"}
    assert [e["field"] for e in reply.body["errors"]] == ["time"]


def test_the_first_and_last_times_a_schedule_can_fire_are_accepted(server):
    # The follow-ups of 1970 find nothing due; the digest of 9999's last week is harmless
    # to the other tests (the follow-ups of 9999 would close every open group).
    first = server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": "1970-01-01T00:00:00Z"})
    last = server.call("POST", "/_local/schedules/WeeklyDigest/run", {"time": "9999-12-31T23:59:59Z"})

    assert first.status == 200, first.body
    assert last.status == 200, last.body


def test_the_running_stack_writes_sam_local_invokes_env_vars_from_the_template(server):
    # Given the template's declared variables, When the stack is up, Then .local/env-<PORT>.json
    # has each function's, resolved against this stack (not a hand-kept env.json).
    env = json.loads(env_file(server.port).read_text())
    state = server.state()
    functions = resources_of_type(load(), "AWS::Serverless::Function")
    declared_everywhere = load()["Globals"]["Function"]["Environment"]["Variables"]

    assert set(env) == set(functions)
    for logical, function in functions.items():
        own = (function["Properties"].get("Environment") or {}).get("Variables", {})
        assert set(env[logical]) == set(declared_everywhere) | set(own), logical
        assert env[logical]["AWS_ENDPOINT_URL"] == state["aws_endpoint_url"]
        assert env[logical]["TABLE_NAME"] == state["physical"]["GroupsTable"]["ref"]
    assert env["OutboxFunction"]["EVENT_BUS_NAME"] == state["physical"]["EventBus"]["ref"]
    assert env["EmailSenderFunction"]["IDEMPOTENCY_TABLE_NAME"] == state["physical"]["IdempotencyTable"]["ref"]


def test_a_second_stack_runs_beside_the_first_and_stops_cleanly_on_ctrl_c(server, tmp_path):
    second = LocalServer.start(tmp_path)
    try:
        aws_port = int(second.state()["aws_endpoint_url"].rsplit(":", 1)[1])
        form = a_form()

        assert second.port != server.port
        assert second.call("POST", "/inquiries", form).status == 202
        # A fresh stack's first batch is a cold start of each function on its way (15 s: a busy CI).
        assert len(second.wait_for_emails(lambda e: form["email"] in e["to"], count=1, timeout=15)) == 1
        assert server.wait_for_emails(lambda e: form["email"] in e["to"], count=1, timeout=0) == []
        children = [p for p in Path("/proc").glob("[0-9]*") if _parent_of(p) == second.process.pid]
    finally:
        status = second.stop()

    assert status == 0
    assert not port_is_open(second.port)
    assert not port_is_open(aws_port)
    assert not any(child.exists() for child in children)
    assert not state_file(second.port).exists()
    assert not env_file(second.port).exists()
    assert server.call("GET", "/_local/health").status == 200


def test_the_event_sources_process_dying_is_said_in_the_console_and_a_closed_stdin_stops_it(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    # Its parent gone before the stack was up (stdin closed): it exits at once, cleanly.
    read_end, write_end = os.pipe()
    orphan = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "local.pollers", str(write_end)], cwd=ROOT, stdin=subprocess.PIPE, pass_fds=(write_end,)
    )
    os.close(write_end)
    orphan.stdin.close()
    assert orphan.wait(30) == 0
    os.close(read_end)

    # Killed under a running stack: the console says the streams and queues stopped.
    stack = LocalServer.start(tmp_path)
    try:
        pollers = [p for p in Path("/proc").glob("[0-9]*") if _parent_of(p) == stack.process.pid]
        [child] = [p for p in pollers if b"local.pollers" in (p / "cmdline").read_bytes()]
        # It runs behind the server, so a form's answer comes before earlier forms' emails.
        behind = os.getpriority(os.PRIO_PROCESS, int(child.name)) - os.getpriority(os.PRIO_PROCESS, stack.process.pid)
        assert behind == 5
        os.kill(int(child.name), signal.SIGKILL)
        deadline = time.monotonic() + 10
        while "The event-sources process stopped" not in stack.log_tail() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "The event-sources process stopped (exit -9)" in stack.log_tail()
    finally:
        stack.stop()


def _parent_of(proc_dir: Path) -> int | None:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_the_daily_follow_ups_chase_an_unanswered_inquiry_through_the_stack(server):
    def as_of(days: int) -> str:
        return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    city = f"Chaseville {uuid.uuid4().hex[:6]}"
    form = a_form(city=city)
    assert server.call("POST", "/inquiries", form).status == 202
    server.group_id_of(form["email"])  # stored by the intake queue's consumer a moment after the answer

    # The run chases every unanswered inquiry the module's tests made (~0.7 s an email here).
    def chase_emails(count: int, timeout: float = 15) -> list[dict]:
        return server.wait_for_emails(
            lambda e: city in e["subject"] and e["subject"].startswith(("Reminder", "Escalation")), count, timeout
        )

    assert server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": as_of(4)}).status == 200
    [reminder] = chase_emails(1)
    assert reminder["subject"].startswith("Reminder")

    assert server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": as_of(4)}).status == 200
    assert len(chase_emails(2, timeout=2)) == 1  # the same slot again: nothing new

    assert server.call("POST", "/_local/schedules/DailyFollowUps/run", {"time": as_of(8)}).status == 200
    reminder_again, escalation = chase_emails(2)
    assert reminder_again == reminder
    assert escalation["subject"].startswith("Escalation")
    assert escalation["cc"] == reminder["to"]
