"""Reading the caller from verified JWT claims (shared/api/auth.py): pure, with a small
hand-written directory instead of the table."""

from __future__ import annotations

import pytest

from shared.api.auth import Caller, caller_from_claims, claims_of, parse_groups_claim, strongest_role
from shared.domain.errors import Forbidden, NotAuthenticated, NotYourState
from shared.domain.routing import Organizer, Role
from shared.domain.stages import Actor
from shared.storage.directory import Directory
from tests.pipeline import claims_for

GRACE = Organizer("fo-west", "Grace Kim", Role.FIELD_ORGANIZER, "Grace.Kim@example.org", ("CA", "OR", "WA"))
GONE = Organizer("ac-gone", "Old Coordinator", Role.AREA_COORDINATOR, "old@example.org", ("CA",), active=False)
DIRECTORY = Directory((GRACE, GONE), None)


def directory() -> Directory:
    return DIRECTORY


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        (["admins"], ["admins"]),
        ("[admins]", ["admins"]),
        ("[field_organizers admins]", ["field_organizers", "admins"]),
        ("[field_organizers, admins]", ["field_organizers", "admins"]),
        ('["area_coordinators"]', ["area_coordinators"]),
        ("area_coordinators", ["area_coordinators"]),
        ("[]", []),
        (None, []),
        (42, []),
    ],
)
def test_the_groups_claim_is_read_in_every_form_api_gateway_gives_it(claim, groups):
    assert parse_groups_claim(claim) == groups


def test_the_strongest_role_wins():
    assert strongest_role(["area_coordinators", "admins"]) is Actor.ADMIN
    assert strongest_role(["area_coordinators", "field_organizers"]) is Actor.FIELD_ORGANIZER
    assert strongest_role(["everyone"]) is None


def test_a_field_organizer_acts_in_the_directorys_states():
    caller = caller_from_claims(claims_for("field_organizers", "grace.kim@EXAMPLE.org", as_string=True), directory)

    assert caller == Caller(
        Actor.FIELD_ORGANIZER, "grace.kim@EXAMPLE.org", "fo-west", frozenset({"CA", "OR", "WA"}), "sub-1"
    )
    assert caller.actor_id == "fo-west"
    caller.require_state("OR")
    with pytest.raises(NotYourState):
        caller.require_state("NY")


def test_an_admin_acts_everywhere_without_being_in_the_directory():
    def no_directory() -> Directory:
        raise AssertionError("admins need no directory read")

    caller = caller_from_claims(claims_for("admins", "boss@example.org", sub="abc"), no_directory)

    assert caller.everywhere
    assert caller.may_act_in("GU")
    assert caller.actor_id == "admin:abc"


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {},
        {"sub": "x", "cognito:groups": ["admins"]},
        {"email": "  ", "cognito:groups": ["admins"]},
        {k: v for k, v in claims_for("admins", "boss@example.org").items() if k != "sub"},
        claims_for("admins", "boss@example.org", sub=""),
    ],
    ids=["no-claims", "empty", "no-email", "blank-email", "admin-without-sub", "admin-blank-sub"],
)
def test_no_usable_identity_is_401(claims):
    with pytest.raises(NotAuthenticated):
        caller_from_claims(claims, directory)


@pytest.mark.parametrize(
    "claims",
    [
        claims_for("volunteers", "grace.kim@example.org"),
        claims_for("field_organizers", "stranger@example.org"),
        claims_for("area_coordinators", "old@example.org"),
        {**claims_for("admins", "boss@example.org"), "email_verified": "false"},
    ],
    ids=["unknown-role", "not-in-directory", "deactivated", "unverified-email"],
)
def test_an_identity_without_organizer_rights_is_403(claims):
    with pytest.raises(Forbidden):
        caller_from_claims(claims, directory)


def test_claims_are_read_where_the_jwt_authorizer_puts_them():
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {"email": "a@b.org"}, "scopes": None}}}}

    assert claims_of(event) == {"email": "a@b.org"}
    assert claims_of({"requestContext": {}}) is None
