"""Reassigning a group (DESIGN §2: PUT /groups/{id}/organizer): who may, to whom, what it
writes (organizer, routing, history, open-inquiry counts, the ByOrganizer index) and the
emails to both organizers through the stream, the bus and the email queue."""

from __future__ import annotations

import pytest

from shared.outbox.events import GroupReassigned, TableChange, events_for_change
from shared.storage import groups
from shared.storage.directory import read_directory
from tests import given
from tests.conftest import sent_emails
from tests.pipeline import ADMIN, api, claims_for, organizer_claims, run_async


@pytest.fixture
def field_organizer(directory):
    return organizer_claims(directory, "fo-west")


def counts():
    d = read_directory()
    return d.get("ac-ca-north").open_inquiries, d.get("ac-ca-south").open_inquiries


def test_a_field_organizer_hands_an_inquiry_to_another_coordinator_of_the_state(aws, directory, field_organizer):
    gid = given.new_group(aws)  # routed to ac-ca-north
    before = counts()

    response = api(
        aws, "PUT", f"/groups/{gid}/organizer", field_organizer, {"organizer_id": "ac-ca-south", "note": "Closer"}
    )

    assert response.status == 200
    body = response.body
    assert body["organizer_id"] == "ac-ca-south"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert body["routing"]["reason"] == "reassigned"
    entry = body["history"][-1]
    assert (entry["change"], entry["from_organizer_id"], entry["to_organizer_id"], entry["note"], entry["by"]) == (
        "reassigned",
        "ac-ca-north",
        "ac-ca-south",
        "Closer",
        "fo-west",
    )
    assert (entry["from_stage"], entry["to_stage"]) == ("learn_more", "learn_more")
    assert counts() == (before[0] - 1, before[1] + 1)
    assert groups.get_group_item(gid).organizer_pk == "ORGANIZER#ac-ca-south"


def test_both_organizers_are_emailed_once(aws, directory, field_organizer):
    gid = given.new_group(aws)
    run_async(aws)
    before = len(sent_emails())

    api(aws, "PUT", f"/groups/{gid}/organizer", field_organizer, {"organizer_id": "ac-ca-south", "note": "Closer"})
    run_async(aws)
    run_async(aws)

    sent = sent_emails()[before:]
    to_new = [e for e in sent if e.to == [directory.get("ac-ca-south").email]]
    to_old = [e for e in sent if e.to == [directory.get("ac-ca-north").email]]
    assert len(to_new) == len(to_old) == 1
    assert to_new[0].subject.startswith("A group is now yours: Ana Souza")
    assert f"Grace Kim handed it to you from {directory.get('ac-ca-north').name}" in to_new[0].text
    assert "Closer" in to_new[0].text
    assert "is now with Chloe Osei" in to_old[0].text
    assert len(sent) == 2  # nothing to the founder


def test_a_group_moved_past_learn_more_moves_no_open_inquiry(aws, directory, field_organizer):
    gid = given.group_at(aws, "organize_core")
    before = counts()

    response = api(aws, "PUT", f"/groups/{gid}/organizer", ADMIN, {"organizer_id": "ac-ca-south"})

    assert response.status == 200
    assert counts() == before


def test_the_same_organizer_again_changes_nothing(aws, directory, field_organizer):
    gid = given.new_group(aws)
    version = api(aws, "GET", f"/groups/{gid}", ADMIN).body["version"]

    response = api(aws, "PUT", f"/groups/{gid}/organizer", field_organizer, {"organizer_id": "ac-ca-north"})

    assert (response.status, response.body["version"]) == (200, version)


def test_an_area_coordinator_cannot_reassign(aws, directory):
    gid = given.new_group(aws)

    response = api(
        aws,
        "PUT",
        f"/groups/{gid}/organizer",
        organizer_claims(directory, "ac-ca-north"),
        {"organizer_id": "ac-ca-south"},
    )

    assert response.status == 403
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["organizer_id"] == "ac-ca-north"


@pytest.mark.parametrize("organizer_id", ["ac-az", "fo-northeast", "nobody", ""])
def test_an_organizer_who_does_not_cover_the_state_is_422(aws, directory, field_organizer, organizer_id):
    gid = given.new_group(aws)

    response = api(aws, "PUT", f"/groups/{gid}/organizer", field_organizer, {"organizer_id": organizer_id})

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == ["organizer_id"]


def test_territory_token_unknown_group_stale_version_and_closed(aws, directory, field_organizer):
    gid = given.new_group(aws)
    body = {"organizer_id": "ac-ca-south"}
    other_state = claims_for("field_organizers", directory.get("fo-northeast").email)

    assert api(aws, "PUT", f"/groups/{gid}/organizer", other_state, body).status == 403
    assert api(aws, "PUT", f"/groups/{gid}/organizer", None, body).status == 401
    assert api(aws, "PUT", "/groups/no-such-group/organizer", field_organizer, body).status == 404
    assert api(aws, "PUT", f"/groups/{gid}/organizer", field_organizer, body, if_match='"7"').status == 412
    given.close(gid)
    assert api(aws, "PUT", f"/groups/{gid}/organizer", field_organizer, body).status == 409
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["organizer_id"] == "ac-ca-north"


def test_a_changed_organizer_on_the_group_item_is_a_group_reassigned_event():
    old = {"kind": "group", "group_id": "g", "stage": "learn_more", "organizer_id": "a", "version": 3}
    new = {**old, "organizer_id": "b", "version": 4, "changed_by": "fo-west", "updated_at": "2026-12-01T10:00:00Z"}

    (event,) = events_for_change(TableChange("MODIFY", old, new))

    assert event == GroupReassigned(
        group_id="g",
        from_organizer_id="a",
        to_organizer_id="b",
        version=4,
        changed_by="fo-west",
        changed_at="2026-12-01T10:00:00Z",
    )
    assert events_for_change(TableChange("MODIFY", old, {**new, "organizer_id": "a"})) == []
