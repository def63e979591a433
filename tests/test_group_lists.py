"""GET /groups and GET /reports/pipeline (DESIGN §2): pages over the ByState and ByStage
indexes, filters, opaque tokens that refuse to be misused, and the pipeline as JSON and CSV."""

from __future__ import annotations

import base64
import json

import pytest

from tests import given
from tests.pipeline import ADMIN, api, organizer_claims

NY = {"state": "NY", "zip": "10001", "city": "New York"}
OR = {"state": "OR", "zip": "97201", "city": "Portland"}


def all_pages(aws, claims, **query):
    pages, token = [], None
    while True:
        q = {k: str(v) for k, v in query.items()}
        if token:
            q["next_token"] = token
        response = api(aws, "GET", "/groups", claims, query=q)
        assert response.status == 200, response.body
        pages.append([g["group_id"] for g in response.body["items"]])
        token = response.body["next_token"]
        if token is None:
            return pages


def test_pages_of_a_state_hold_every_group_once(aws, directory):
    made = {given.new_group(aws, f"p{n}@example.com") for n in range(5)}

    pages = all_pages(aws, organizer_claims(directory, "ac-ca-north"), limit=2)

    assert [len(p) for p in pages[:3]] == [2, 2, 1]
    seen = [g for page in pages for g in page]
    assert sorted(seen) == sorted(made)


def test_a_field_organizers_pages_walk_each_of_their_states(aws, directory):
    made = {given.new_group(aws, "ca@example.com"), given.new_group(aws, "or1@example.com", **OR)}
    made.add(given.new_group(aws, "or2@example.com", **OR))
    given.new_group(aws, "ny@example.com", **NY)

    pages = all_pages(aws, organizer_claims(directory, "fo-west"), limit=1)

    seen = [g for page in pages for g in page]
    assert sorted(seen) == sorted(made)


def test_an_admin_without_filters_pages_through_every_stage(aws, directory):
    made = {given.new_group(aws, "a@example.com"), given.new_group(aws, "b@example.com", **NY)}
    made.add(given.group_at(aws, "organize_core", "c@example.com"))

    pages = all_pages(aws, ADMIN, limit=2)

    seen = [g for page in pages for g in page]
    assert sorted(seen) == sorted(made)


def test_the_stage_filter_keeps_that_stage_only(aws, directory):
    given.new_group(aws, "a@example.com")
    core = given.group_at(aws, "organize_core", "c@example.com")

    as_admin = api(aws, "GET", "/groups", ADMIN, query={"stage": "organize_core"}).body
    as_coordinator = api(
        aws,
        "GET",
        "/groups",
        organizer_claims(directory, "ac-ca-north"),
        query={"stage": "organize_core", "state": "CA"},
    ).body

    assert [g["group_id"] for g in as_admin["items"]] == [core]
    assert [g["group_id"] for g in as_coordinator["items"]] == [core]


def test_a_list_item_summarizes_the_group(aws, directory, group_at_stage):
    gid = group_at_stage("learn_more")

    (item,) = api(aws, "GET", "/groups", ADMIN, query={"state": "CA"}).body["items"]

    assert item["group_id"] == gid
    assert (item["stage"], item["state"], item["city"], item["version"]) == ("learn_more", "CA", "San Francisco", 1)
    assert item["organizer_id"] == "ac-ca-north"


def _token_of(aws, **query):
    return api(aws, "GET", "/groups", ADMIN, query={k: str(v) for k, v in query.items()}).body["next_token"]


def _tampered(token: str, change) -> str:
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    change(data)
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "make_token",
    [
        lambda aws: "not a token!",
        lambda aws: base64.urlsafe_b64encode(b"[1, 2]").decode(),
        lambda aws: _token_of(aws, limit=1, state="NY"),  # another listing's token
        lambda aws: _tampered(_token_of(aws, limit=1, state="CA"), lambda d: d["k"]["GSI1PK"].update(S="STATE#NY")),
        lambda aws: _tampered(_token_of(aws, limit=1, state="CA"), lambda d: d.update(p=5)),
        lambda aws: _tampered(_token_of(aws, limit=1, state="CA"), lambda d: d["k"].pop("SK")),
    ],
    ids=["garbage", "not-an-object", "other-listing", "other-partition", "position", "missing-key"],
)
def test_a_bad_next_token_is_422_on_next_token(aws, directory, built_once, make_token):
    def build(stack):
        for n in range(2):
            given.new_group(stack, f"t{n}@example.com")
            given.new_group(stack, f"n{n}@example.com", **NY)

    built_once("group_lists:two in CA, two in NY", build)

    response = api(aws, "GET", "/groups", ADMIN, query={"state": "CA", "limit": "1", "next_token": make_token(aws)})

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == ["next_token"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"stage": "done"}, "stage"),
        ({"state": "XX"}, "state"),
        ({"sort": "name"}, "body"),  # an unknown parameter, not named back
    ],
)
def test_bad_list_parameters_are_422(aws, directory, query, field):
    response = api(aws, "GET", "/groups", ADMIN, query=query)

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == [field]


def test_empty_list_parameters_count_as_unset_but_an_unknown_one_is_still_refused(aws, directory):
    made = given.new_group(aws, "a@example.com")
    empty = {"state": "", "stage": "", "limit": "", "next_token": "", "organizer": "", "q": ""}

    response = api(aws, "GET", "/groups", ADMIN, query=empty)
    unknown = api(aws, "GET", "/groups", ADMIN, query={"sort": ""})
    report = api(aws, "GET", "/reports/pipeline", ADMIN, query={"format": ""})

    assert response.status == 200, response.body
    assert [g["group_id"] for g in response.body["items"]] == [made]
    assert (unknown.status, [e["field"] for e in unknown.body["errors"]]) == (422, ["body"])
    assert (report.status, report.headers["Content-Type"]) == (200, "application/json")


def test_the_pipeline_counts_groups_per_state_and_stage(aws, directory):
    given.new_group(aws, "a@example.com")
    given.group_at(aws, "organize_core", "b@example.com")
    given.new_group(aws, "c@example.com", **NY)

    report = api(aws, "GET", "/reports/pipeline", ADMIN).body

    rows = {r["state"]: r for r in report["rows"]}
    assert rows["CA"]["counts"]["learn_more"] == 1
    assert rows["CA"]["counts"]["organize_core"] == 1
    assert rows["CA"]["total"] == 2
    assert rows["NY"]["counts"]["learn_more"] == 1
    assert report["totals"]["learn_more"] == 2
    assert report["total"] == 3


def test_the_pipeline_as_csv(aws, directory, group_at_stage):
    group_at_stage("learn_more")

    response = api(aws, "GET", "/reports/pipeline", ADMIN, query={"format": "csv"})

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.body.splitlines()
    assert lines[0] == "state,learn_more,organize_core,step_up_activism,get_chartered,develop_plan,active,closed,total"
    assert lines[1] == "CA,1,0,0,0,0,0,0,1"
    assert lines[-1] == "total,1,0,0,0,0,0,0,1"


def test_an_unknown_report_format_is_422(aws, directory):
    response = api(aws, "GET", "/reports/pipeline", ADMIN, query={"format": "xlsx"})

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == ["format"]
