"""GET /groups/nearby (DESIGN §2): chartered and active groups near a ZIP, nearest first,
with only public fields; the public name given at charter and changed with the plan."""

from __future__ import annotations

import json

import pytest

from shared.storage import nearby
from tests import given
from tests.given import ADMIN_CALLER, PLAN, _do
from tests.pipeline import ADMIN, api, call_api, organizer_claims, run_async

FIELDS = {"group_number", "name", "city", "state", "distance_mi"}


def nearby_api(aws, query):
    return call_api(aws, "NearbyFunction", "GET", "/groups/nearby", query=query)


def group_in(aws, stage, email, city, zip_code):
    return given.group_at(aws, stage, email=email, city=city, zip=zip_code, state="CA")


@pytest.fixture
def chartered_in_oakland(aws, built_once):
    """`oakland()`: the id of a chartered group in Oakland (94612), its emails sent, built
    once per worker (`built_once`); call it before the test writes anything."""

    def build(stack):
        gid = group_in(stack, "develop_plan", "olu@example.com", "Oakland", "94612")
        run_async(stack)
        return gid

    return lambda: built_once("nearby:chartered in Oakland", build)


def test_nearby_lists_chartered_and_active_groups_nearest_first_with_public_fields_only(
    directory, aws, chartered_in_oakland
):
    # given chartered groups in Oakland and San Francisco, an active one in San Jose, one in
    # Los Angeles, a forming group in Berkeley and a chartered group that was closed
    oakland = chartered_in_oakland()
    group_in(aws, "active", "sam@example.com", "San Francisco", "94110")
    group_in(aws, "active", "jo@example.com", "San Jose", "95113")
    group_in(aws, "develop_plan", "lee@example.com", "Los Angeles", "90012")
    group_in(aws, "step_up_activism", "bea@example.com", "Berkeley", "94704")
    closed = group_in(aws, "develop_plan", "cy@example.com", "Alameda", "94501")
    given.close(closed, reason="other")
    # when someone in Oakland (94607) asks for groups within 25 miles
    response = nearby_api(aws, {"zip": "94607", "radius_mi": "25"})
    # then the chartered Oakland and San Francisco groups come, nearest first
    assert response.status == 200, response.body
    assert [g["city"] for g in response.body] == ["Oakland", "San Francisco"]
    assert all(set(g) == FIELDS for g in response.body)
    assert response.body[0]["name"] == "Oakland"  # the default public name: the city
    assert response.body[0]["distance_mi"] < response.body[1]["distance_mi"] < 25
    oakland_number = api(aws, "GET", f"/groups/{oakland}", ADMIN).body["group_number"]
    assert response.body[0]["group_number"] == oakland_number
    # and nothing about a person: no founder's name, email, phone or ZIP anywhere
    text = json.dumps(response.body)
    for secret in ("Ana Souza", "example.com", "555", "94612", "olu", "sam@"):
        assert secret not in text
    # and 50 miles reaches San Jose too, never the forming or closed group
    wider = nearby_api(aws, {"zip": "94607", "radius_mi": "50"}).body
    assert [g["city"] for g in wider] == ["Oakland", "San Francisco", "San Jose"]


def test_the_index_projects_no_personal_data(directory, aws, chartered_in_oakland):
    # given a chartered group
    chartered_in_oakland()
    # when its entry in the Nearby index is read raw
    import boto3

    from shared import settings

    items = boto3.client("dynamodb").query(
        TableName=settings.table().table_name,
        IndexName="Nearby",
        KeyConditionExpression="NearPK = :p",
        ExpressionAttributeValues={":p": {"S": nearby.band_partition(nearby.band_of(37.8085))}},
    )["Items"]
    # then it holds the public fields and the keys, nothing else
    assert len(items) == 1
    assert set(items[0]) == {
        "PK",
        "SK",
        "NearPK",
        "NearSK",
        "kind",
        "group_number",
        "public_name",
        "city",
        "state",
        "lat",
        "lon",
    }


def test_the_organizer_names_the_group_at_charter_and_renames_it_with_the_plan(directory, aws):
    # given a group ready to be chartered
    gid = group_in(aws, "get_chartered", "olu@example.com", "Oakland", "94612")
    # when the charter gives it a name
    moved = api(
        aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "develop_plan", "case_id": "C-1", "name": "East Bay"}
    )
    assert moved.status == 200, moved.body
    assert moved.body["name"] == "East Bay"
    assert [g["name"] for g in nearby_api(aws, {"zip": "94612"}).body] == ["East Bay"]
    # and the plan renames it later
    planned = api(aws, "PUT", f"/groups/{gid}/plan", ADMIN, {**PLAN, "name": "Oakland Letters"})
    assert planned.status == 200, planned.body
    assert "name" not in planned.body["plan"]
    assert [g["name"] for g in nearby_api(aws, {"zip": "94612"}).body] == ["Oakland Letters"]


def test_a_name_with_a_move_that_is_not_the_charter_is_422(directory, aws):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    moved = api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core", "name": "Mission"})
    assert moved.status == 422
    assert [e["field"] for e in moved.body["errors"]] == ["name"]


def test_a_reopened_chartered_group_is_found_again(directory, aws, chartered_in_oakland):
    gid = chartered_in_oakland()
    given.close(gid, reason="other")
    assert nearby_api(aws, {"zip": "94612"}).body == []
    _do(given.lifecycle.move_stage, gid, {"to": "develop_plan"}, ADMIN_CALLER)
    assert [g["city"] for g in nearby_api(aws, {"zip": "94612"}).body] == ["Oakland"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, ["zip"]),
        ({"zip": "9461"}, ["zip"]),
        ({"zip": "00000"}, ["zip"]),  # the right shape, but no such ZIP
        ({"zip": "94612", "radius_mi": "0"}, ["radius_mi"]),
        ({"zip": "94612", "radius_mi": "101"}, ["radius_mi"]),
        ({"zip": "94612", "radius_mi": "nan"}, ["radius_mi"]),
        ({"zip": "94612", "radius_mi": "inf"}, ["radius_mi"]),
        ({"zip": "94612", "radius_mi": "ten"}, ["radius_mi"]),
        ({"zip": "x", "radius_mi": "-3"}, ["zip", "radius_mi"]),
    ],
)
def test_a_bad_zip_or_radius_is_a_422_problem(aws, query, fields):
    response = nearby_api(aws, query)
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    assert [e["field"] for e in response.body["errors"]] == fields


def test_the_sample_event_answers(aws):
    from local.lambda_runtime import invoke
    from tests.conftest import sample_event

    response = invoke(aws, "NearbyFunction", sample_event("nearby_list.json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == []


def test_the_charter_email_introduces_the_nearest_chartered_groups(directory, aws, chartered_in_oakland):
    from tests.conftest import sent_emails

    # given a chartered group in Oakland, and one in Los Angeles (far away)
    oakland = chartered_in_oakland()
    group_in(aws, "develop_plan", "lee@example.com", "Los Angeles", "90012")
    oakland_number = api(aws, "GET", f"/groups/{oakland}", ADMIN).body["group_number"]
    run_async(aws)
    before = len(sent_emails())
    # when a group in San Francisco is chartered
    group_in(aws, "develop_plan", "sam@example.com", "San Francisco", "94110")
    run_async(aws)
    # then its charter email introduces the Oakland group, not the far one, nor itself
    [charter] = [m for m in sent_emails()[before:] if "sam@example.com" in m.to and "chartered" in m.subject]
    assert f"Local group #{oakland_number}, Oakland (Oakland, CA)" in charter.text
    assert "Los Angeles" not in charter.text
    assert charter.text.count("Local group #") == 1


# --- the console's group page: its neighbours (GET /groups/{group_id}/nearby) -----------


def test_a_group_page_lists_its_chartered_and_forming_neighbours_nearest_first(directory, aws):
    # given a new group in Oakland, chartered groups in San Francisco (CA) and Los Angeles,
    # forming groups in Berkeley and Sacramento, a closed one in Alameda
    here = group_in(aws, "learn_more", "new@example.com", "Oakland", "94607")
    sf = group_in(aws, "active", "sam@example.com", "San Francisco", "94110")
    group_in(aws, "develop_plan", "lee@example.com", "Los Angeles", "90012")
    berkeley = group_in(aws, "organize_core", "bea@example.com", "Berkeley", "94704")
    group_in(aws, "learn_more", "sac@example.com", "Sacramento", "95814")
    closed = group_in(aws, "organize_core", "cy@example.com", "Alameda", "94501")
    given.close(closed, reason="other")
    # when its coordinator opens its neighbours within 25 miles
    claims = organizer_claims(directory, "ac-ca-north")
    response = api(aws, "GET", f"/groups/{here}/nearby", claims)
    # then the chartered San Francisco group and the forming Berkeley group come, with distances
    assert response.status == 200, response.body
    body = response.body
    assert body["located"] is True
    assert body["radius_mi"] == 25
    assert [(g["group_id"], g["city"]) for g in body["chartered"]] == [(sf, "San Francisco")]
    assert set(body["chartered"][0]) == FIELDS | {"group_id"}
    assert [(g["group_id"], g["stage"]) for g in body["forming"]] == [(berkeley, "organize_core")]
    assert 3 < body["forming"][0]["distance_mi"] < body["chartered"][0]["distance_mi"] < 25
    # never itself, a closed group, nor anything about a person
    text = json.dumps(body)
    for secret in ("example.com", "Ana Souza", "94704", "94110", "founder"):
        assert secret not in text
    # and 100 miles reaches Sacramento too, nearest first
    wider = api(aws, "GET", f"/groups/{here}/nearby", claims, query={"radius_mi": "100"}).body
    assert [g["city"] for g in wider["forming"]] == ["Berkeley", "Sacramento"]


def test_a_chartered_group_page_does_not_list_itself(directory, aws, chartered_in_oakland):
    oakland = chartered_in_oakland()
    sf = group_in(aws, "active", "sam@example.com", "San Francisco", "94110")

    body = api(aws, "GET", f"/groups/{oakland}/nearby", ADMIN).body

    assert [g["group_id"] for g in body["chartered"]] == [sf]
    assert body["forming"] == []


def test_neighbours_follow_the_callers_states_and_refuse_a_bad_radius(directory, aws):
    here = group_in(aws, "learn_more", "new@example.com", "Oakland", "94607")

    elsewhere = api(aws, "GET", f"/groups/{here}/nearby", organizer_claims(directory, "ac-az"))
    missing = api(aws, "GET", "/groups/no-such-group/nearby", ADMIN)
    bad = api(aws, "GET", f"/groups/{here}/nearby", ADMIN, query={"radius_mi": "500"})

    assert elsewhere.status == 403
    assert missing.status == 404
    assert bad.status == 422
    assert [e["field"] for e in bad.body["errors"]] == ["radius_mi"]


def test_the_forming_stages_are_one_range_of_the_by_state_sort_key():
    from shared.domain.stages import Stage
    from shared.storage.neighbours import _FORMING_FROM, _FORMING_TO, FORMING_STAGES

    inside = [s.value for s in Stage if _FORMING_FROM <= f"{s.value}#2026" <= _FORMING_TO]

    assert sorted(inside) == sorted(FORMING_STAGES)
