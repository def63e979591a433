"""GET /groups for the organizer console's inbox (DESIGN §2): `organizer=me` or an id from
the ByOrganizer index, `q` on founder name or email or city, what waits on the organizer
per item, paging through filtered reads, and the client errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.usecases import group_lists
from tests import given
from tests.pipeline import ADMIN, api, claims_for, organizer_claims


@pytest.fixture
def north(directory):
    return organizer_claims(directory, "ac-ca-north")


def listing(aws, who, **query):
    response = api(aws, "GET", "/groups", who, query={k: str(v) for k, v in query.items()})
    assert response.status == 200, response.body
    return response.body


def ids(body):
    return [item["group_id"] for item in body["items"]]


def test_organizer_me_lists_the_groups_routed_to_the_caller(aws, north):
    mine = given.new_group(aws, "mine@example.com")  # 94110: northern California
    given.new_group(aws, "south@example.com", zip="90012", city="Los Angeles")  # southern: ac-ca-south

    body = listing(aws, north, organizer="me")

    assert ids(body) == [mine]
    item = body["items"][0]
    for field in ("group_id", "stage", "state", "city", "founder_name", "founder_email", "organizer_id"):
        assert item[field] is not None
    assert (item["created_at"], item["updated_at"]) == (item["created_at"], item["updated_at"])
    assert item["waits"]["first_contact"] == "due"


def test_organizer_by_id_and_a_stage_filter(aws, north):
    given.new_group(aws, "one@example.com")
    moved = given.group_at(aws, "organize_core", email="two@example.com")

    assert ids(listing(aws, ADMIN, organizer="ac-ca-north", stage="organize_core")) == [moved]
    assert len(ids(listing(aws, ADMIN, organizer="ac-ca-north"))) == 2
    assert ids(listing(aws, ADMIN, organizer="ac-ca-south")) == []


def test_a_reassigned_group_follows_its_organizer(aws, directory, north, group_at_stage):
    gid = group_at_stage("learn_more")
    api(aws, "PUT", f"/groups/{gid}/organizer", ADMIN, {"organizer_id": "ac-ca-south"})

    assert ids(listing(aws, north, organizer="me")) == []
    assert ids(listing(aws, organizer_claims(directory, "ac-ca-south"), organizer="me")) == [gid]


def test_an_admin_asking_for_their_own_groups_gets_none(aws, north, group_at_stage):
    group_at_stage("learn_more")

    assert listing(aws, ADMIN, organizer="me") == {"items": [], "next_token": None}


@pytest.mark.parametrize(("q", "found"), [("ANA", True), ("souza@EXAMPLE", True), ("san fran", True), ("zzz", False)])
def test_q_matches_founder_name_or_email_or_city_whatever_the_case(aws, north, built_once, q, found):
    def build(stack):
        gid = given.new_group(stack)
        given.new_group(stack, "bob@example.com", name="Bob Lee", city="Oakland", zip="94601")
        return gid

    gid = built_once("inbox:ana and bob", build)

    assert ids(listing(aws, north, q=q)) == ([gid] if found else [])


def test_a_filtered_listing_pages_to_the_end_without_repeats(aws, north):
    made = [given.new_group(aws, f"p{n}@example.com", city=f"Town {n}") for n in range(5)]
    given.new_group(aws, "other@example.com", city="Elsewhere")

    seen, token = [], None
    for _ in range(10):
        query = {"q": "town", "limit": 2, **({"next_token": token} if token else {})}
        body = listing(aws, north, **query)
        seen += ids(body)
        token = body["next_token"]
        if token is None:
            break

    assert sorted(seen) == sorted(made)


def test_another_states_organizer_sees_none_of_an_organizers_groups(aws, directory, group_at_stage):
    group_at_stage("learn_more")
    outsider = claims_for("field_organizers", directory.get("fo-northeast").email)

    assert ids(listing(aws, outsider, organizer="ac-ca-north")) == []
    assert api(aws, "GET", "/groups", outsider, query={"state": "CA"}).status == 403
    assert api(aws, "GET", "/groups", None, query={"organizer": "me"}).status == 401


@pytest.mark.parametrize(("query", "field"), [({"organizer": "a b"}, "organizer"), ({"q": "x" * 101}, "q")])
def test_bad_filters_are_422(aws, north, query, field):
    response = api(aws, "GET", "/groups", north, query=query)

    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == [field]


def test_a_token_of_another_search_is_422(aws, north):
    for n in range(3):
        given.new_group(aws, f"t{n}@example.com")
    token = listing(aws, north, q="souza", limit=1)["next_token"] or listing(aws, north, limit=1)["next_token"]

    response = api(aws, "GET", "/groups", north, query={"q": "other", "limit": "1", "next_token": token})

    assert response.status == 422


def test_the_inbox_says_what_waits_as_days_go_by(aws, directory):
    from shared.api.auth import caller_from_claims

    waiting = given.new_group(aws, "wait@example.com")
    talked = given.group_at(aws, "organize_core", email="talked@example.com")
    caller = caller_from_claims(organizer_claims(directory, "ac-ca-north"))

    def after(days):
        body = group_lists.list_groups(caller, {"organizer": "me"}, given.now() + timedelta(days=days))
        return {item["group_id"]: item["waits"] for item in body["items"]}

    assert after(3)[waiting]["first_contact"] == "overdue"
    assert after(7)[waiting]["first_contact"] == "escalated"
    assert after(7)[talked]["first_contact"] is None
    assert (after(44)[talked]["stalled"], after(46)[talked]["stalled"]) == (False, True)
    given.meet_gate(talked, "organize_core")
    assert after(1)[talked]["gate_met"] is True


def test_a_group_written_before_the_summary_existed_is_read_whole(aws, north, group_at_stage):
    from shared.storage import group_keys
    from shared.storage.table import GroupItem

    gid = group_at_stage("organize_core")
    GroupItem(group_keys.group_pk(gid), "GROUP").update(
        actions=[GroupItem.stage_entered_at.remove(), GroupItem.gate_met.remove(), GroupItem.first_contact_on.remove()]
    )

    (item,) = listing(aws, north)["items"]

    assert item["waits"]["first_contact"] is None  # its conversation was found in its partition


def test_the_inbox_of_an_organizer_is_one_query_whatever_it_holds(aws, directory, monkeypatch):
    from collections import Counter

    from pynamodb.connection import base

    for n in range(4):
        given.new_group(aws, f"c{n}@example.com")
    given.group_at(aws, "organize_core", email="moved@example.com")
    claims = organizer_claims(directory, "ac-ca-north")
    listing(aws, claims)  # warms the directory cache
    calls: Counter[str] = Counter()
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(base.Connection, "_make_api_call", counting)

    body = listing(aws, claims, organizer="me")

    assert len(body["items"]) == 5
    assert dict(calls) == {"Query": 1}  # the ByOrganizer partition: no group read whole


def test_the_backfill_gives_older_groups_their_summary_and_organizer_keys_once(aws, north, group_at_stage):
    from shared.storage import group_keys, groups
    from shared.storage.table import GroupItem
    from shared.usecases.backfill import backfill_groups

    gid = group_at_stage("organize_core")
    given.new_group(aws, "new@example.com")  # written with everything: left alone
    version = groups.get_group_item(gid).version
    GroupItem(group_keys.group_pk(gid), "GROUP").update(
        actions=[
            GroupItem.stage_entered_at.remove(),
            GroupItem.gate_met.remove(),
            GroupItem.first_contact_on.remove(),
            GroupItem.organizer_pk.remove(),
            GroupItem.organizer_sk.remove(),
        ]
    )
    assert gid not in ids(listing(aws, north, organizer="me"))

    first = backfill_groups()
    second = backfill_groups()

    assert (first.seen, first.filled, second.filled) == (2, 1, 0)
    assert gid in ids(listing(aws, north, organizer="me"))
    item = groups.get_group_item(gid)
    assert (item.version, item.gate_met, item.first_contact_on) == (version, False, given.day(0))
    assert item.stage_entered_at == api(aws, "GET", f"/groups/{gid}", ADMIN).body["history"][-1]["at"]
