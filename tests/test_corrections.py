"""Correcting and removing members and activities (DESIGN §2: PATCH / DELETE), through the
groups function on moto resources built from template.yaml: 200 / 204, history for every
change, gates and the Due index kept right, If-Match, territory, and the client errors."""

from __future__ import annotations

import pytest

from shared.storage import groups
from tests import given
from tests.given import day
from tests.pipeline import ADMIN, api, claims_for, organizer_claims


@pytest.fixture
def coordinator(directory):
    return organizer_claims(directory, "ac-ca-north")


def add(aws, who, gid, what, body):
    response = api(aws, "POST", f"/groups/{gid}/{what}", who, body)
    assert response.status == 201, response.body
    return response.body["member" if what == "members" else "activity"]


def read(aws, gid):
    return api(aws, "GET", f"/groups/{gid}", ADMIN).body


# --- members --------------------------------------------------------------------------------


def test_correcting_a_member_answers_200_with_the_member_and_records_history(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    member = add(aws, coordinator, gid, "members", {"name": "Bo Chen", "role": "member"})

    response = api(
        aws, "PATCH", f"/groups/{gid}/members/{member['member_id']}", coordinator, {"name": "Bo Chén", "role": "core"}
    )

    assert response.status == 200
    assert response.headers["ETag"] == f'"{response.body["version"]}"'
    assert (response.body["member"]["name"], response.body["member"]["role"]) == ("Bo Chén", "core")
    assert response.body["member"]["edited_by"] == "ac-ca-north"
    group = read(aws, gid)
    assert [m["name"] for m in group["members"]] == ["Bo Chén"]
    entry = group["history"][-1]
    assert (entry["change"], entry["subject_id"], entry["fields"]) == (
        "member_corrected",
        member["member_id"],
        ["name", "role"],
    )
    assert (entry["version"], entry["by"]) == (group["version"], "ac-ca-north")


def test_a_corrected_role_counts_at_once_for_the_gate(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    add(aws, coordinator, gid, "members", {"name": "Core One", "role": "core"})
    second = add(aws, coordinator, gid, "members", {"name": "Not Yet Core", "role": "member"})

    response = api(aws, "PATCH", f"/groups/{gid}/members/{second['member_id']}", coordinator, {"role": "core"})

    assert response.body["next_gate"]["met"] is True


def test_removing_a_member_answers_204_and_can_unmeet_the_gate(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    given.meet_gate(gid, "organize_core")
    core = read(aws, gid)["members"][0]

    response = api(aws, "DELETE", f"/groups/{gid}/members/{core['member_id']}", coordinator)

    assert response.status == 204
    assert not response.body
    group = read(aws, gid)
    assert response.headers["ETag"] == f'"{group["version"]}"'
    assert core["member_id"] not in [m["member_id"] for m in group["members"]]
    assert group["next_gate"]["met"] is False
    assert group["history"][-1]["change"] == "member_removed"


def test_a_member_email_already_in_the_group_is_409(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    add(aws, coordinator, gid, "members", {"name": "Bo", "email": "bo@example.net", "role": "core"})
    cy = add(aws, coordinator, gid, "members", {"name": "Cy", "email": "cy@example.net", "role": "core"})

    response = api(aws, "PATCH", f"/groups/{gid}/members/{cy['member_id']}", coordinator, {"email": "BO@example.net"})

    assert response.status == 409
    assert response.headers["Content-Type"] == "application/problem+json"


def test_an_email_sent_as_null_is_cleared(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    bo = add(aws, coordinator, gid, "members", {"name": "Bo", "email": "bo@example.net", "role": "core"})

    response = api(aws, "PATCH", f"/groups/{gid}/members/{bo['member_id']}", coordinator, {"email": None})

    assert response.body["member"]["email"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"name": ""}, "name"),
        ({"role": "chair"}, "role"),
        ({"email": "nope"}, "email"),
        ({"x": 1}, "body"),
    ],
)
def test_a_bad_member_correction_is_422_and_changes_nothing(aws, group_at_stage, coordinator, body, field):
    gid = group_at_stage("organize_core")
    bo = add(aws, coordinator, gid, "members", {"name": "Bo", "role": "core"})
    version = read(aws, gid)["version"]

    response = api(aws, "PATCH", f"/groups/{gid}/members/{bo['member_id']}", coordinator, body)

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == [field]
    assert read(aws, gid)["version"] == version


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_an_unknown_member_is_404(aws, group_at_stage, coordinator, method):
    gid = group_at_stage("organize_core")

    response = api(
        aws, method, f"/groups/{gid}/members/nobody", coordinator, {"name": "X"} if method == "PATCH" else None
    )

    assert response.status == 404


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_stale_if_match_is_412_and_changes_nothing(aws, group_at_stage, coordinator, method):
    gid = group_at_stage("organize_core")
    bo = add(aws, coordinator, gid, "members", {"name": "Bo", "role": "core"})
    version = read(aws, gid)["version"]
    body = {"name": "Bob"} if method == "PATCH" else None

    stale = api(aws, method, f"/groups/{gid}/members/{bo['member_id']}", coordinator, body, if_match=f'"{version - 1}"')
    fresh = api(aws, method, f"/groups/{gid}/members/{bo['member_id']}", coordinator, body, if_match=f'"{version}"')

    assert (stale.status, fresh.status) == (412, 200 if method == "PATCH" else 204)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_another_states_coordinator_is_403_and_no_token_is_401(aws, group_at_stage, directory, method):
    gid = group_at_stage("organize_core")
    bo = add(aws, ADMIN, gid, "members", {"name": "Bo", "role": "core"})
    body = {"name": "Bob"} if method == "PATCH" else None
    path = f"/groups/{gid}/members/{bo['member_id']}"

    elsewhere = api(aws, method, path, claims_for("area_coordinators", directory.get("ac-az").email), body)
    nobody = api(aws, method, path, None, body)

    assert (elsewhere.status, nobody.status) == (403, 401)
    assert [m["name"] for m in read(aws, gid)["members"]] == ["Bo"]


def test_members_of_a_closed_group_are_not_changed(aws, group_at_stage, coordinator):
    gid = group_at_stage("organize_core")
    bo = add(aws, coordinator, gid, "members", {"name": "Bo", "role": "core"})
    given.close(gid)

    assert api(aws, "DELETE", f"/groups/{gid}/members/{bo['member_id']}", coordinator).status == 409


# --- activities -----------------------------------------------------------------------------


def test_a_contact_attempt_is_recorded_and_shown_but_leaves_the_gate_unmet(aws, group_at_stage, coordinator):
    gid = group_at_stage("learn_more")

    response = api(aws, "POST", f"/groups/{gid}/activities", coordinator, {"kind": "contact_attempt", "date": day(0)})

    assert response.status == 201
    assert response.body["activity"]["kind"] == "contact_attempt"
    assert response.body["next_gate"]["met"] is False
    group = read(aws, gid)
    assert [a["kind"] for a in group["activities"]] == ["contact_attempt"]
    assert groups.get_group_item(gid).due_sk is not None  # the first-contact reminder still waits


def test_correcting_an_activity_date_moves_it_and_records_history(aws, group_at_stage, coordinator):
    gid = group_at_stage("step_up_activism")
    meeting = add(aws, coordinator, gid, "activities", {"kind": "meeting", "date": day(-1)})

    response = api(
        aws,
        "PATCH",
        f"/groups/{gid}/activities/{meeting['activity_id']}",
        coordinator,
        {"date": day(-90), "notes": "x"},
    )

    assert response.status == 200
    assert (response.body["activity"]["date"], response.body["activity"]["notes"]) == (day(-90), "x")
    group = read(aws, gid)
    assert [a["date"] for a in group["activities"] if a["activity_id"] == meeting["activity_id"]] == [day(-90)]
    assert group["activities"][0]["activity_id"] == meeting["activity_id"]  # listed by date: now the first
    assert [a["kind"] for a in group["activities"]] == ["meeting", "conversation"]  # moved, not copied
    assert (group["history"][-1]["change"], group["history"][-1]["fields"]) == ("activity_corrected", ["date", "notes"])


def test_a_conversation_corrected_to_a_contact_attempt_puts_the_group_back_in_the_wait(
    aws, group_at_stage, coordinator
):
    gid = group_at_stage("learn_more")
    talk = add(aws, coordinator, gid, "activities", {"kind": "conversation", "date": day(0)})
    assert groups.get_group_item(gid).first_contact_on == day(0)

    response = api(
        aws, "PATCH", f"/groups/{gid}/activities/{talk['activity_id']}", coordinator, {"kind": "contact_attempt"}
    )

    assert response.body["next_gate"]["met"] is False
    item = groups.get_group_item(gid)
    assert (item.first_contact_on, item.gate_met) == (None, False)
    assert item.due_sk is not None


def test_removing_an_activity_answers_204_and_history_says_so(aws, group_at_stage, coordinator):
    gid = group_at_stage("learn_more")
    talk = add(aws, coordinator, gid, "activities", {"kind": "conversation", "date": day(0)})

    response = api(aws, "DELETE", f"/groups/{gid}/activities/{talk['activity_id']}", coordinator)

    assert response.status == 204
    group = read(aws, gid)
    assert group["activities"] == []
    assert group["next_gate"]["met"] is False
    assert group["last_activity_at"] is None
    assert (group["history"][-1]["change"], group["history"][-1]["subject_id"]) == (
        "activity_removed",
        talk["activity_id"],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "body"), ({"kind": "party"}, "kind"), ({"date": "2999-01-01"}, "date"), ({"kind": None}, "kind")],
)
def test_a_bad_activity_correction_is_422(aws, group_at_stage, coordinator, body, field):
    gid = group_at_stage("learn_more")
    talk = add(aws, coordinator, gid, "activities", {"kind": "conversation", "date": day(0)})

    response = api(aws, "PATCH", f"/groups/{gid}/activities/{talk['activity_id']}", coordinator, body)

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == [field]


def test_an_unknown_activity_is_404_and_another_states_organizer_403(aws, group_at_stage, directory, coordinator):
    gid = group_at_stage("learn_more")
    talk = add(aws, coordinator, gid, "activities", {"kind": "conversation", "date": day(0)})
    fo_ne = claims_for("field_organizers", directory.get("fo-northeast").email)

    assert api(aws, "DELETE", f"/groups/{gid}/activities/nothing", coordinator).status == 404
    assert api(aws, "DELETE", f"/groups/{gid}/activities/{talk['activity_id']}", fo_ne).status == 403
    assert api(aws, "PATCH", f"/groups/{gid}/activities/{talk['activity_id']}", None, {"notes": "x"}).status == 401


def test_a_stale_if_match_on_an_activity_is_412(aws, group_at_stage, coordinator):
    gid = group_at_stage("learn_more")
    talk = add(aws, coordinator, gid, "activities", {"kind": "conversation", "date": day(0)})

    response = api(
        aws, "PATCH", f"/groups/{gid}/activities/{talk['activity_id']}", coordinator, {"notes": "x"}, if_match='"1"'
    )

    assert response.status == 412
    assert read(aws, gid)["activities"][0]["notes"] is None


# --- the same writes by another author (the founder's page reuses them) --------------------


def test_another_author_adds_and_corrects_with_their_own_mark(aws, group_at_stage, directory):
    from shared.domain.errors import ValidationFailed
    from shared.domain.stages import ActivityKind
    from shared.storage.groups import read_group
    from shared.usecases import activities, members
    from shared.usecases.group_writes import Author

    gid = group_at_stage("organize_core")
    founder = Author(f"founder:{gid}", reported_by="founder")

    def load():
        return read_group(gid)

    member = members.add_member(founder, load, {"name": "Bo", "role": "core"}, None, given.now())
    kinds = frozenset({ActivityKind.MEETING, ActivityKind.EVENT})
    meeting = activities.log_activity(founder, load, {"kind": "meeting", "date": day(0)}, None, given.now(), kinds)
    with pytest.raises(ValidationFailed) as refused:
        activities.log_activity(founder, load, {"kind": "conversation", "date": day(0)}, None, given.now(), kinds)
    members.correct_member(founder, load, member.body["member"]["member_id"], {"name": "Bob"}, None, given.now())

    group = read(aws, gid)
    assert [(m["name"], m["reported_by"], m["added_by"]) for m in group["members"]] == [("Bob", "founder", founder.id)]
    assert sorted((a["kind"], a["reported_by"]) for a in group["activities"]) == [
        ("conversation", "organizer"),
        ("meeting", "founder"),
    ]
    assert meeting.body["activity"]["reported_by"] == "founder"
    assert [e.field for e in refused.value.errors] == ["kind"]
    assert group["history"][-1]["by"] == founder.id


def test_a_correction_is_one_query_and_one_transaction_when_warm(aws, group_at_stage, coordinator, monkeypatch):
    from collections import Counter

    from pynamodb.connection import base

    gid = group_at_stage("organize_core")
    bo = add(aws, coordinator, gid, "members", {"name": "Bo", "role": "core"})
    calls: Counter[str] = Counter()
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(base.Connection, "_make_api_call", counting)

    api(aws, "PATCH", f"/groups/{gid}/members/{bo['member_id']}", coordinator, {"name": "Bob"})
    patched = dict(calls)
    calls.clear()
    api(aws, "DELETE", f"/groups/{gid}/members/{bo['member_id']}", coordinator)

    assert patched == dict(calls) == {"Query": 1, "TransactWriteItems": 1}


@pytest.mark.parametrize(
    ("what", "body", "fields"),
    [
        ("member", {"name": "Bo", "role": "core"}, "name, email, role"),
        ("activity", {"kind": "conversation", "date": day(0)}, "kind, date, notes"),
    ],
)
def test_an_empty_correction_says_what_may_be_sent(aws, group_at_stage, coordinator, what, body, fields):
    gid = group_at_stage("organize_core")
    path = "members" if what == "member" else "activities"
    made = add(aws, coordinator, gid, path, body)

    response = api(aws, "PATCH", f"/groups/{gid}/{path}/{made[f'{what}_id']}", coordinator, {})

    assert response.status == 422
    assert response.body["detail"] == "Nothing to change."
    assert response.body["errors"] == [{"field": "body", "message": f"send at least one of {fields}"}]
