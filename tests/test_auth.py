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


def test_an_admin_in_the_directory_of_admins_acts_everywhere_without_an_organizer_entry():
    def no_directory() -> Directory:
        raise AssertionError("admins need no organizer directory read")

    caller = caller_from_claims(
        claims_for("admins", "boss@example.org", sub="abc"), no_directory, admin=lambda e: e == "boss@example.org"
    )

    assert caller.everywhere
    assert caller.may_act_in("GU")
    assert caller.actor_id == "admin:abc"


def test_a_token_of_the_admins_group_whose_email_left_the_directory_of_admins_is_refused():
    with pytest.raises(Forbidden, match="directory of admins"):
        caller_from_claims(claims_for("admins", "gone@example.org"), admin=lambda e: False)


def test_removing_an_admin_from_the_directory_takes_effect_at_their_next_request(aws, directory):
    from shared.storage.directory import is_admin, load_directory
    from shared.storage.directory_file import parse_directory_file
    from tests.conftest import ROOT

    text = (ROOT / "data" / "organizers.yaml").read_text()
    assert is_admin("Admin@Example.org")

    load_directory(parse_directory_file(text.replace("admins: [admin@example.org]", "admins: []")))

    assert not is_admin("admin@example.org")


@pytest.mark.parametrize(
    "claims",
    [None, {}, {"sub": "x", "cognito:groups": ["admins"]}, {"email": "  ", "cognito:groups": ["admins"]}],
    ids=["no-claims", "empty", "no-email", "blank-email"],
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
