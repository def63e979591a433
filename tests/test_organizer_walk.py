"""The whole organizer walk over HTTP against the local stack (`make dev` in a subprocess):
real ID tokens from POST /_local/login checked by the template's JWT authorizer, from the
public form to a chartered, active group, and the charter emails in the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.local_server import LocalServer
from tests.pipeline import VALID_FORM

pytestmark = pytest.mark.stack

PLAN = {"case_campaign": "A vigil every quarter", "national_campaigns": [], "growth_goal": 12, "partners": []}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LocalServer]:
    started = LocalServer.start(tmp_path_factory.mktemp("walk"))
    yield started
    started.stop()


def day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def test_an_inquiry_walks_to_active_with_real_tokens(server):
    def login(email: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + server.call("POST", "/_local/login", {"email": email}).body["token"]}

    assert server.call("POST", "/inquiries", {**VALID_FORM, "email": "walk@example.com"}).status == 202
    gid = server.group_id_of("walk@example.com")
    coordinator, field_organizer = login("diego.varga@example.org"), login("grace.kim@example.org")
    g = f"/groups/{gid}"
    steps = [
        (coordinator, "POST", "/activities", {"kind": "conversation", "date": day(0)}, 201),
        (coordinator, "POST", "/stage", {"to": "organize_core"}, 200),
        (coordinator, "POST", "/members", {"name": "Bo", "email": "bo.walk@example.net", "role": "core"}, 201),
        (coordinator, "POST", "/members", {"name": "Cy", "email": "cy.walk@example.net", "role": "core"}, 201),
        (coordinator, "POST", "/stage", {"to": "step_up_activism"}, 200),
        (coordinator, "POST", "/members", {"name": "Di", "role": "member"}, 201),
        (coordinator, "POST", "/members", {"name": "Ed", "role": "member"}, 201),
        (coordinator, "POST", "/activities", {"kind": "meeting", "date": day(-70)}, 201),
        (coordinator, "POST", "/activities", {"kind": "meeting", "date": day(-35)}, 201),
        (coordinator, "POST", "/activities", {"kind": "meeting", "date": day(0)}, 201),
        (coordinator, "POST", "/activities", {"kind": "letter_writing", "date": day(-20)}, 201),
        (coordinator, "POST", "/activities", {"kind": "event", "date": day(-10)}, 201),
        (coordinator, "POST", "/stage", {"to": "get_chartered"}, 200),
        (coordinator, "POST", "/stage", {"to": "develop_plan", "case_id": "AMR 51/001/2026"}, 403),
        (field_organizer, "POST", "/stage", {"to": "develop_plan", "case_id": "AMR 51/001/2026"}, 200),
        (coordinator, "PUT", "/plan", PLAN, 200),
        (field_organizer, "POST", "/stage", {"to": "active"}, 200),
    ]

    statuses = [server.call(method, g + what, body, who).status for who, method, what, body, _ in steps]

    assert statuses == [expected for *_, expected in steps]
    group = server.call("GET", g, headers=field_organizer)
    assert group.headers["etag"] == f'"{group.body["version"]}"'
    assert (group.body["stage"], group.body["group_number"]) == ("active", 1)
    assert server.call("GET", g).status == 401
    assert server.call("GET", g, headers=login("maya.okafor@example.org")).status == 403
    charter = server.wait_for_emails(lambda e: "chartered: local group #1" in e["subject"], count=3)
    assert sorted(e["to"][0] for e in charter) == sorted(
        ["walk@example.com", "bo.walk@example.net", "cy.walk@example.net"]
    )
