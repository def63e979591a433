"""Who may do what (DESIGN §2): every caller × every organizer route, on a California
group. Admins act everywhere; field organizers and area coordinators in their own states
only (403 elsewhere); no usable token is 401; a token without an organizer role, or an
organizer role for someone not in the directory, is 403."""

from __future__ import annotations

import itertools

import pytest

from shared.storage import groups
from shared.usecases import lifecycle
from tests import given
from tests.given import PLAN, day
from tests.pipeline import ADMIN, api, claims_for

# (caller, claims or how to make them from the directory, what they may do to a CA group)
CALLERS = {
    "admin": ("ok", lambda d: ADMIN),
    "field_organizer_own_state": (
        "ok",
        lambda d: claims_for("field_organizers", d.get("fo-west").email, as_string=True),
    ),
    "field_organizer_other_state": ("not_yours", lambda d: claims_for("field_organizers", d.get("fo-northeast").email)),
    "area_coordinator_own_state": ("ok", lambda d: claims_for("area_coordinators", d.get("ac-ca-north").email)),
    "area_coordinator_other_state": ("not_yours", lambda d: claims_for("area_coordinators", d.get("ac-az").email)),
    "no_token": ("unauthenticated", lambda d: None),
    "token_without_email": ("unauthenticated", lambda d: {"sub": "x", "cognito:groups": ["admins"]}),
    "no_organizer_role": ("forbidden", lambda d: claims_for("volunteers", d.get("fo-west").email)),
    "role_but_not_in_directory": ("forbidden", lambda d: claims_for("field_organizers", "stranger@example.org")),
}

# (route, method, path template, body, status when allowed, does territory matter[, staff only])
ROUTES = {
    "list": ("GET", "/groups", None, 200, False),
    "list_state": ("GET", "/groups?state=CA", None, 200, True),
    "get": ("GET", "/groups/{gid}", None, 200, True),
    "add_member": ("POST", "/groups/{gid}/members", {"name": "Bo Chen", "role": "core"}, 201, True),
    "log_activity": ("POST", "/groups/{gid}/activities", {"kind": "meeting", "date": day(0)}, 201, True),
    "move_stage": ("POST", "/groups/{gid}/stage", {"to": "closed", "reason": "other"}, 200, True),
    "record_plan": ("PUT", "/groups/{gid}/plan", PLAN, 200, True),
    "pipeline": ("GET", "/reports/pipeline", None, 200, False),
    "list_mine": ("GET", "/groups?organizer=me", None, 200, False),
    "correct_member": ("PATCH", "/groups/{gid}/members/{mid}", {"name": "Bob Chen"}, 200, True),
    "remove_member": ("DELETE", "/groups/{gid}/members/{mid}", None, 204, True),
    "correct_activity": ("PATCH", "/groups/{gid}/activities/{aid}", {"notes": "Two hours"}, 200, True),
    "remove_activity": ("DELETE", "/groups/{gid}/activities/{aid}", None, 204, True),
    "reassign": ("PUT", "/groups/{gid}/organizer", {"organizer_id": "ac-ca-south"}, 200, True, True),
    "groups_csv": ("GET", "/reports/groups.csv", None, 200, False),
}
STAFF_CALLERS = {"admin", "field_organizer_own_state", "field_organizer_other_state"}


def expected_status(access: str, allowed: int, territorial: bool, staff_only: bool = False, staff: bool = True) -> int:
    if access == "unauthenticated":
        return 401
    if access == "forbidden":
        return 403
    if staff_only and not staff:
        return 403
    if access == "not_yours" and territorial:
        return 403
    return allowed


CASES = list(itertools.product(CALLERS, ROUTES))


@pytest.mark.parametrize(("caller", "route"), CASES, ids=[f"{c}-{r}" for c, r in CASES])
def test_authorization_matrix(aws, directory, group_at_stage, caller, route):
    access, make_claims = CALLERS[caller]
    method, path, body, allowed, territorial, *staff_only = ROUTES[route]
    gid = group_at_stage("develop_plan" if route == "record_plan" else "learn_more")
    ids = {"gid": gid, "mid": "", "aid": ""}
    if "{mid}" in path:
        ids["mid"] = lifecycle.add_member(given.ADMIN_CALLER, gid, {"name": "Bo", "role": "core"}, None, given.now())
        ids["mid"] = ids["mid"].body["member"]["member_id"]
    if "{aid}" in path:
        logged = lifecycle.log_activity(given.ADMIN_CALLER, gid, {"kind": "meeting", "date": day(0)}, None, given.now())
        ids["aid"] = logged.body["activity"]["activity_id"]
    path, _, query = path.format(**ids).partition("?")
    version_before = groups.get_group_item(gid).version  # the version GET /groups/{gid} answers

    response = api(aws, method, path, make_claims(directory), body, query=dict([query.split("=")]) if query else None)

    expected = expected_status(access, allowed, territorial, bool(staff_only), caller in STAFF_CALLERS)
    assert response.status == expected
    if response.status >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
        assert groups.get_group_item(gid).version == version_before  # nothing written


def test_a_list_without_filters_holds_only_the_callers_states(aws, directory):
    ca = given.new_group(aws, "ca@example.com")
    given.new_group(aws, "ny@example.com", state="NY", zip="10001", city="New York")

    response = api(aws, "GET", "/groups", claims_for("area_coordinators", directory.get("ac-ca-north").email))

    assert [g["group_id"] for g in response.body["items"]] == [ca]


def test_the_pipeline_counts_only_the_callers_states(aws, directory):
    given.new_group(aws, "ca@example.com")
    given.new_group(aws, "ny@example.com", state="NY", zip="10001", city="New York")

    response = api(aws, "GET", "/reports/pipeline", claims_for("field_organizers", directory.get("fo-northeast").email))

    assert response.body["total"] == 1
    assert {r["state"] for r in response.body["rows"]} == set(directory.get("fo-northeast").states)


def test_a_deactivated_organizer_loses_access(aws, directory):
    from shared.api import auth
    from shared.storage.directory import load_directory
    from shared.storage.directory_file import DirectoryFile, parse_directory_file
    from tests.conftest import ROOT

    gid = given.new_group(aws)
    data = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
    load_directory(
        DirectoryFile(
            national_inbox=data.national_inbox, organizers=tuple(o for o in data.organizers if o.id != "ac-ca-north")
        )
    )
    auth.clear_cache()  # a warm function notices within storage.directory.DIRECTORY_TTL_SECONDS

    response = api(aws, "GET", f"/groups/{gid}", claims_for("area_coordinators", directory.get("ac-ca-north").email))

    assert response.status == 403
