"""A group's life through the organizer API (DESIGN §1-2): stages and gates, members and
activities, chartering, closing and reopening, If-Match, and every error a client can cause.

The rules run on the use cases over the in-memory store (`memory`, tests/in_memory.py),
answered as the HTTP edge answers; what the edge itself does (routes, headers, bodies that
are not JSON, If-Match on the wire, the walk through every route) runs through the
handler on moto resources built from template.yaml."""

from __future__ import annotations

import pytest

from tests import given, in_memory
from tests.given import PLAN, day
from tests.in_memory import call
from tests.pipeline import ADMIN, VALID_FORM, api, organizer_claims, submit

CASE = "AMR 51/001/2026"
COORDINATOR = in_memory.caller("ac-ca-north")  # where a San Francisco form is routed (CA)
FIELD_ORGANIZER = in_memory.caller("fo-west")


@pytest.fixture
def coordinator(directory):
    """The Area Coordinator that a San Francisco form is routed to (CA)."""
    return organizer_claims(directory, "ac-ca-north")


@pytest.fixture
def field_organizer(directory):
    return organizer_claims(directory, "fo-west")


def stage_of(group_id):
    return call("GET", "", in_memory.ADMIN, group_id).body["stage"]


# --- the walk ------------------------------------------------------------------------


def test_a_group_walks_from_inquiry_to_active_through_the_api(aws, coordinator, field_organizer):
    gid = given.new_group(aws)
    steps = [
        (coordinator, "POST", "activities", {"kind": "conversation", "date": day(0), "notes": "Good fit"}, 201),
        (coordinator, "POST", "stage", {"to": "organize_core", "note": "Talked for an hour"}, 200),
        (coordinator, "POST", "members", {"name": "Bo Chen", "email": "bo@example.net", "role": "core"}, 201),
        (coordinator, "POST", "members", {"name": "Cy Diaz", "email": "cy@example.net", "role": "core"}, 201),
        (coordinator, "POST", "stage", {"to": "step_up_activism"}, 200),
        (coordinator, "POST", "members", {"name": "Di Ek", "role": "member"}, 201),
        (coordinator, "POST", "members", {"name": "Ed Fo", "role": "member"}, 201),
        (coordinator, "POST", "activities", {"kind": "meeting", "date": day(-60)}, 201),
        (coordinator, "POST", "activities", {"kind": "meeting", "date": day(-30)}, 201),
        (coordinator, "POST", "activities", {"kind": "meeting", "date": day(0)}, 201),
        (coordinator, "POST", "activities", {"kind": "letter_writing", "date": day(-15)}, 201),
        (coordinator, "POST", "activities", {"kind": "event", "date": day(-5)}, 201),
        (coordinator, "POST", "stage", {"to": "get_chartered"}, 200),
        (field_organizer, "POST", "stage", {"to": "develop_plan", "case_id": CASE}, 200),
        (coordinator, "PUT", "plan", PLAN, 200),
        (field_organizer, "POST", "stage", {"to": "active"}, 200),
    ]

    statuses = [api(aws, method, f"/groups/{gid}/{what}", who, body).status for who, method, what, body, _ in steps]

    assert statuses == [expected for *_, expected in steps]
    group = api(aws, "GET", f"/groups/{gid}", coordinator).body
    assert group["stage"] == "active"
    assert group["group_number"] == 1
    assert group["case_id"] == CASE
    assert group["plan"] == PLAN
    assert [(h["from_stage"], h["to_stage"]) for h in group["history"]] == [
        ("learn_more", "organize_core"),
        ("organize_core", "step_up_activism"),
        ("step_up_activism", "get_chartered"),
        ("get_chartered", "develop_plan"),
        ("develop_plan", "active"),
    ]
    assert group["version"] == 1 + len(steps)


def test_the_group_view_has_everything_and_an_etag(aws, coordinator, group_at_stage):
    gid = group_at_stage("organize_core")

    response = api(aws, "GET", f"/groups/{gid}", coordinator)

    assert response.status == 200
    body = response.body
    assert response.headers["ETag"] == f'"{body["version"]}"'
    for field in ("stage", "version", "state", "city", "organizer_id", "members", "activities", "history"):
        assert field in body
    for field in ("group_number", "case_id", "plan", "next_gate"):
        assert field in body
    assert body["organizer_id"] == "ac-ca-north"
    assert body["counts"] == {"core_members": 1, "members": 1}
    assert body["next_gate"] == {
        "stage": "organize_core",
        "to": "step_up_activism",
        "unmet": ["core_members: at least 3 core members (the founder counts as the first); have 1"],
        "met": False,
    }
    assert body["history"][0]["by"] == "admin:admin-sub"


def test_history_records_who_when_from_to_and_the_note(memory):
    gid = in_memory.group_at(memory, "learn_more")
    given.meet_gate(gid, "learn_more")

    moved = call("POST", "stage", COORDINATOR, gid, {"to": "organize_core", "note": "Met at the library"})

    entry = moved.body["history"][-1]
    assert entry["by"] == "ac-ca-north"
    assert (entry["from_stage"], entry["to_stage"], entry["note"]) == (
        "learn_more",
        "organize_core",
        "Met at the library",
    )
    assert entry["at"] == moved.body["updated_at"]
    assert entry["version"] == moved.body["version"]


# --- members and activities ----------------------------------------------------------


def test_adding_a_member_answers_201_and_bumps_the_version(memory):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "members", COORDINATOR, gid, {"name": " Bo Chen ", "role": "core"})

    assert response.status == 201
    assert response.body["member"]["name"] == "Bo Chen"
    assert response.body["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert call("GET", "", COORDINATOR, gid).body["counts"] == {"core_members": 2, "members": 2}


def test_a_member_whose_email_is_already_in_the_group_is_a_conflict(memory):
    gid = in_memory.new_group(memory, email="ana@example.com")

    founder_again = call(
        "POST", "members", COORDINATOR, gid, {"name": "Ana", "email": "ANA@example.com", "role": "core"}
    )

    assert founder_again.status == 409
    assert call("GET", "", COORDINATOR, gid).body["members"] == []


def test_logging_an_activity_answers_201_with_what_the_gate_still_asks(memory):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "activities", COORDINATOR, gid, {"kind": "conversation", "date": day(-1)})

    assert response.status == 201
    assert response.body["activity"]["kind"] == "conversation"
    assert response.body["next_gate"]["met"] is True


def test_an_activity_may_be_dated_tomorrow_for_time_zones_ahead_but_not_later(memory):
    gid = in_memory.group_at(memory, "learn_more")

    tomorrow = call("POST", "activities", COORDINATOR, gid, {"kind": "meeting", "date": day(1)})
    later = call("POST", "activities", COORDINATOR, gid, {"kind": "meeting", "date": day(2)})

    assert tomorrow.status == 201
    assert later.status == 422
    assert later.body["errors"] == [{"field": "date", "message": "must not be in the future"}]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "party", "date": "2026-01-01"}, ["kind"]),
        ({"kind": "meeting", "date": "01/02/2026"}, ["date"]),
        ({"kind": "meeting", "date": "2026-02-30"}, ["date"]),
        ({"kind": "meeting"}, ["date"]),
        ({"kind": "meeting", "date": "2026-01-01", "notes": "x" * 2001}, ["notes"]),
        ({"kind": "meeting", "date": "2026-01-01", "notes": "a\u202eb"}, ["notes"]),
        ({"kind": "meeting", "date": "2026-01-01", "where": "library"}, ["body"]),  # never the name sent
    ],
    ids=["kind", "format", "no-such-day", "missing", "long-notes", "bidi", "unknown-field"],
)
def test_an_invalid_activity_is_422_with_the_field(memory, body, fields):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "activities", COORDINATOR, gid, body)

    assert response.status == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.body["errors"]] == fields
    assert call("GET", "", COORDINATOR, gid).body["version"] == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"role": "core"}, ["name"]),
        ({"name": "   ", "role": "core"}, ["name"]),
        ({"name": "Bo", "role": "leader"}, ["role"]),
        ({"name": "Bo", "role": "core", "email": "not-an-email"}, ["email"]),
        # A charter email could never reach a non-ASCII mailbox name through SES.
        ({"name": "Bo", "role": "core", "email": "jos\u00e9@example.org"}, ["email"]),
    ],
    ids=["no-name", "blank-name", "role", "email", "non-ascii-mailbox"],
)
def test_an_invalid_member_is_422_with_the_field(memory, body, fields):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "members", COORDINATOR, gid, body)

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == fields


def test_a_members_international_domain_is_stored_in_its_ascii_form(memory):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "members", COORDINATOR, gid, {"name": "Bo", "role": "core", "email": "bo@ex\u00e4mple.org"})

    assert response.body["member"]["email"] == "bo@xn--exmple-cua.org"


def test_a_closed_group_takes_no_members_or_activities(memory):
    gid = in_memory.group_at(memory, "learn_more")
    given.close(gid)

    member = call("POST", "members", COORDINATOR, gid, {"name": "Bo", "role": "core"})
    activity = call("POST", "activities", COORDINATOR, gid, {"kind": "meeting", "date": day(0)})

    assert (member.status, activity.status) == (409, 409)


# --- stage moves -----------------------------------------------------------------------


def test_a_move_before_the_gate_is_met_is_409_with_the_unmet_list(memory):
    gid = in_memory.group_at(memory, "step_up_activism")
    call("POST", "members", COORDINATOR, gid, {"name": "Only One", "role": "member"})

    response = call("POST", "stage", COORDINATOR, gid, {"to": "get_chartered"})

    assert response.status == 409
    assert response.body["type"].endswith("/gate-not-met")
    assert [u.split(":")[0] for u in response.body["unmet"]] == [
        "meetings",
        "meeting_span_days",
        "letter_writing",
        "events",
        "members",
    ]
    assert stage_of(gid) == "step_up_activism"


def test_skipping_a_stage_is_409_with_the_allowed_moves(memory):
    gid = in_memory.group_at(memory, "learn_more")
    given.meet_gate(gid, "learn_more")

    response = call("POST", "stage", COORDINATOR, gid, {"to": "step_up_activism"})

    assert response.status == 409
    assert response.body["type"].endswith("/move-not-allowed")
    assert response.body["allowed"] == ["organize_core", "closed"]
    assert response.body["unmet"]


def test_moving_backwards_is_409(memory):
    gid = in_memory.group_at(memory, "organize_core")

    assert call("POST", "stage", COORDINATOR, gid, {"to": "learn_more"}).status == 409


@pytest.mark.parametrize(
    "body", [{"to": "chartered"}, {}, {"to": "closed", "reason": "moved away"}, {"to": "closed", "reason": 3}]
)
def test_an_invalid_move_request_is_422(aws, coordinator, group_at_stage, body):
    gid = group_at_stage("learn_more")

    assert api(aws, "POST", f"/groups/{gid}/stage", coordinator, body).status == 422


def test_an_area_coordinator_cannot_charter(memory):
    gid = in_memory.group_at(memory, "get_chartered")

    response = call("POST", "stage", COORDINATOR, gid, {"to": "develop_plan", "case_id": CASE})

    assert response.status == 403
    assert stage_of(gid) == "get_chartered"


def test_an_area_coordinator_cannot_make_a_plan_active(memory):
    gid = in_memory.group_at(memory, "develop_plan")
    given.meet_gate(gid, "develop_plan")

    assert call("POST", "stage", COORDINATOR, gid, {"to": "active"}).status == 403


def test_a_charter_without_a_case_takes_a_number_and_leaves_the_case_for_later(memory):
    gid = in_memory.group_at(memory, "get_chartered")

    response = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan"})

    assert response.status == 200
    assert (response.body["group_number"], response.body["case_id"]) == (1, None)
    assert response.body["history"][-1]["case_id"] is None
    assert memory.read_group_number() == 1


def test_the_case_is_set_later_with_the_plan_by_a_field_organizer(memory):
    gid = in_memory.group_at(memory, "get_chartered")
    call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan"})

    response = call("PUT", "plan", FIELD_ORGANIZER, gid, {**PLAN, "case_id": CASE})

    assert response.status == 200
    assert response.body["case_id"] == CASE
    assert "case_id" not in response.body["plan"]


def test_a_coordinator_records_the_plan_but_does_not_assign_the_case(memory):
    gid = in_memory.group_at(memory, "get_chartered")
    call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan"})

    refused = call("PUT", "plan", COORDINATOR, gid, {**PLAN, "case_id": CASE})
    recorded = call("PUT", "plan", COORDINATOR, gid, PLAN)

    assert refused.status == 403
    assert (recorded.status, recorded.body["case_id"]) == (200, None)


def test_a_charter_asked_again_without_a_case_answers_the_same_number(memory):
    gid = in_memory.group_at(memory, "get_chartered")
    first = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan"})

    again = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan"})

    assert (again.status, again.body["group_number"], again.body["version"]) == (200, 1, first.body["version"])


def test_charters_take_consecutive_group_numbers(memory):
    first = in_memory.group_at(memory, "get_chartered", email="one@example.com")
    second = in_memory.group_at(memory, "get_chartered", email="two@example.com")

    a = call("POST", "stage", FIELD_ORGANIZER, first, {"to": "develop_plan", "case_id": "C-1"})
    b = call("POST", "stage", FIELD_ORGANIZER, second, {"to": "develop_plan", "case_id": "C-2"})

    assert (a.body["group_number"], b.body["group_number"]) == (1, 2)
    assert a.body["history"][-1]["group_number"] == 1
    assert memory.read_group_number() == 2


def test_a_charter_asked_again_answers_the_same_number_and_takes_none(memory):
    gid = in_memory.group_at(memory, "get_chartered")
    first = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan", "case_id": CASE})

    again = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan", "case_id": CASE})

    assert again.status == 200
    assert again.body["group_number"] == first.body["group_number"] == 1
    assert again.body["version"] == first.body["version"]
    assert memory.read_group_number() == 1


def test_a_charter_asked_again_with_another_case_is_409(memory):
    gid = in_memory.group_at(memory, "get_chartered")
    call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan", "case_id": CASE})

    again = call("POST", "stage", FIELD_ORGANIZER, gid, {"to": "develop_plan", "case_id": "OTHER"})

    assert again.status == 409
    assert memory.read_group_number() == 1


def test_leaving_learn_more_gives_the_organizer_one_open_inquiry_fewer(memory):
    gid = in_memory.group_at(memory, "learn_more")
    given.meet_gate(gid, "learn_more")
    before = memory.open_inquiries["ac-ca-north"]

    call("POST", "stage", COORDINATOR, gid, {"to": "organize_core"})

    assert memory.open_inquiries["ac-ca-north"] == before - 1


# --- closing and reopening ------------------------------------------------------------------


def test_closing_needs_a_reason(memory):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "stage", COORDINATOR, gid, {"to": "closed"})

    assert response.status == 422
    assert response.body["errors"] == [{"field": "reason", "message": "is required to close a group"}]
    assert stage_of(gid) == "learn_more"


def test_closing_from_learn_more_releases_the_lock_and_the_open_inquiry(memory):
    gid = in_memory.group_at(memory, "learn_more")
    before = memory.open_inquiries["ac-ca-north"]

    closed = call("POST", "stage", COORDINATOR, gid, {"to": "closed", "reason": "other"})

    assert closed.status == 200
    assert (closed.body["closed_reason"], closed.body["closed_from"]) == ("other", "learn_more")
    assert memory.open_inquiries["ac-ca-north"] == before - 1
    assert memory.open_group_id("ana.souza@example.com") is None


def test_after_closing_the_same_email_starts_a_new_group(aws, coordinator, group_at_stage):
    gid = group_at_stage("organize_core")
    given.close(gid)

    again = submit(aws)

    assert again.status == 202
    assert given.open_group_of("ana.souza@example.com") not in (None, gid)


def test_reopening_returns_to_the_stage_it_left_and_takes_the_lock_again(memory):
    gid = in_memory.group_at(memory, "organize_core")
    given.close(gid)

    reopened = call("POST", "stage", COORDINATOR, gid, {"to": "organize_core"})

    assert reopened.status == 200
    assert (reopened.body["stage"], reopened.body["closed_from"]) == ("organize_core", None)
    assert memory.open_group_id("ana.souza@example.com") == gid


def test_reopening_to_another_stage_than_it_left_is_409(memory):
    gid = in_memory.group_at(memory, "organize_core")
    given.close(gid)

    response = call("POST", "stage", COORDINATOR, gid, {"to": "learn_more"})

    assert response.status == 409
    assert response.body["allowed"] == ["organize_core"]


def test_reopening_into_learn_more_gives_the_open_inquiry_back(memory):
    gid = in_memory.group_at(memory, "learn_more")
    before = memory.open_inquiries["ac-ca-north"]
    given.close(gid)

    call("POST", "stage", COORDINATOR, gid, {"to": "learn_more"})

    assert memory.open_inquiries["ac-ca-north"] == before


def test_reopening_when_the_email_opened_another_group_is_409_and_changes_nothing(memory):
    gid = in_memory.group_at(memory, "learn_more")
    given.close(gid)
    other = in_memory.new_group(memory)

    response = call("POST", "stage", COORDINATOR, gid, {"to": "learn_more"})

    assert response.status == 409
    assert other in response.body["detail"]
    assert stage_of(gid) == "closed"
    assert memory.open_group_id("ana.souza@example.com") == other


# --- the plan ---------------------------------------------------------------------------


def test_the_plan_is_recorded_after_the_charter(memory):
    gid = in_memory.group_at(memory, "develop_plan")

    response = call("PUT", "plan", COORDINATOR, gid, PLAN)

    assert response.status == 200
    assert response.body["plan"] == PLAN
    assert response.body["next_gate"]["met"] is True


def test_a_plan_before_the_charter_is_409(memory):
    gid = in_memory.group_at(memory, "get_chartered")

    response = call("PUT", "plan", COORDINATOR, gid, PLAN)

    assert response.status == 409
    assert response.body["type"].endswith("/wrong-stage")


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"growth_goal": "12"}, ["growth_goal"]),
        ({"growth_goal": 0}, ["growth_goal"]),
        ({"case_campaign": ""}, ["case_campaign"]),
        ({"partners": ["ok", ""]}, ["partners"]),
        ({"national_campaigns": "one"}, ["national_campaigns"]),
    ],
    ids=["goal-text", "goal-zero", "no-campaign", "blank-partner", "not-a-list"],
)
def test_an_invalid_plan_is_422_with_the_field(memory, change, fields):
    gid = in_memory.group_at(memory, "develop_plan")

    response = call("PUT", "plan", COORDINATOR, gid, {**PLAN, **change})

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == fields


# --- If-Match ---------------------------------------------------------------------------


def test_a_write_with_the_current_etag_applies(memory):
    gid = in_memory.group_at(memory, "learn_more")
    etag = call("GET", "", COORDINATOR, gid).headers["ETag"]

    response = call("POST", "members", COORDINATOR, gid, {"name": "Bo", "role": "core"}, if_match=etag)

    assert response.status == 201


@pytest.mark.parametrize(
    ("method", "what", "body"),
    [
        ("POST", "members", {"name": "Bo", "role": "core"}),
        ("POST", "activities", {"kind": "conversation", "date": "2026-01-02"}),
        ("POST", "stage", {"to": "closed", "reason": "other"}),
    ],
    ids=["member", "activity", "stage"],
)
def test_a_write_with_a_stale_etag_is_412_and_changes_nothing(aws, coordinator, group_at_stage, method, what, body):
    gid = group_at_stage("learn_more")
    stale = api(aws, "GET", f"/groups/{gid}", coordinator).headers["ETag"]
    given.meet_gate(gid, "learn_more")  # someone else wrote in between

    response = api(aws, method, f"/groups/{gid}/{what}", coordinator, body, if_match=stale)

    assert response.status == 412
    after = api(aws, "GET", f"/groups/{gid}", coordinator).body
    assert after["version"] == 2
    assert (after["stage"], len(after["members"]), len(after["activities"])) == ("learn_more", 0, 1)


def test_a_stale_etag_on_the_plan_is_412(memory):
    gid = in_memory.group_at(memory, "develop_plan")

    response = call("PUT", "plan", COORDINATOR, gid, PLAN, if_match='"1"')

    assert response.status == 412
    assert call("GET", "", COORDINATOR, gid).body["plan"] is None


@pytest.mark.parametrize(
    "tag",
    ["abc", 'W/"1"', '"\u00b2"', '"' + "9" * 5000 + '"', '"-1"', '""'],
    ids=["not-ours", "weak", "superscript-digit", "5000-digits", "negative", "empty"],
)
def test_an_etag_that_is_not_ours_matches_nothing(memory, tag):
    gid = in_memory.group_at(memory, "learn_more")  # at version 1

    response = call("POST", "members", COORDINATOR, gid, {"name": "Bo", "role": "core"}, if_match=tag)

    assert response.status == 412
    assert call("GET", "", COORDINATOR, gid).body["version"] == 1


def test_an_if_match_listing_the_current_version_among_others_applies(memory):
    gid = in_memory.group_at(memory, "learn_more")

    response = call("POST", "members", COORDINATOR, gid, {"name": "Bo", "role": "core"},
                   if_match='"7", W/"1", "1"')  # fmt: skip

    assert response.status == 201


# --- errors of the edge ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "what", "body"),
    [
        ("GET", "", None),
        ("POST", "/members", {"name": "Bo", "role": "core"}),
        ("POST", "/activities", {"kind": "meeting", "date": "2026-01-01"}),
        ("POST", "/stage", {"to": "organize_core"}),
        ("PUT", "/plan", PLAN),
    ],
    ids=["get", "member", "activity", "stage", "plan"],
)
def test_an_unknown_group_is_404(aws, directory, method, what, body):
    response = api(aws, method, f"/groups/00000000-0000-0000-0000-000000000000{what}", ADMIN, body)

    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_body_that_is_not_json_is_400(aws, coordinator, group_at_stage):
    gid = group_at_stage("learn_more")

    response = api(aws, "POST", f"/groups/{gid}/members", coordinator, raw_body="{name: Bo")

    assert response.status == 400


def test_a_body_that_is_not_declared_json_is_415(aws, coordinator, group_at_stage):
    gid = group_at_stage("learn_more")

    response = api(
        aws, "POST", f"/groups/{gid}/members", coordinator, raw_body="name=Bo", headers={"content-type": "text/plain"}
    )

    assert response.status == 415


def test_problems_never_echo_the_input(aws, coordinator, group_at_stage):
    gid = group_at_stage("learn_more")

    response = api(aws, "POST", f"/groups/{gid}/members", coordinator, {"name": "<script>x</script>", "role": "boss"})

    assert response.status == 422
    assert "script" not in str(response.body)
    assert "boss" not in str(response.body)


def test_unused_form_fields_keep_their_meaning(aws, directory):
    # The organizer side does not change what intake answers.
    response = submit(aws, VALID_FORM)

    assert response.status == 202
    assert response.body["stage"] == "learn_more"


def test_unknown_fields_are_one_error_on_the_body_never_named_back():
    from shared.domain.errors import ValidationFailed
    from shared.parsing.founder import parse_note
    from shared.parsing.organizer import StageMoveRequest, parse

    sent = {"to": "organize_core", "ana.souza@example.com": 1, "<script>": 2}
    for attempt in (lambda: parse(StageMoveRequest, sent), lambda: parse_note({"note": "x", **sent})):
        with pytest.raises(ValidationFailed) as refused:
            attempt()
        assert [(e.field, e.message) for e in refused.value.errors] == [
            ("body", "has a field this request does not take")
        ]
