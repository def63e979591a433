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


# --- admins and field organizers sign in with MFA ----------------------------------------


@pytest.mark.parametrize("group", ["admins", "field_organizers"])
def test_staff_without_an_authenticator_app_are_refused(directory_of_grace, group):
    claims = claims_for(group, "grace.kim@example.org")

    with pytest.raises(Forbidden, match="authenticator app"):
        caller_from_claims(claims, directory_of_grace, admin=lambda e: True, mfa_ok=lambda c: False)


def test_a_coordinator_needs_no_authenticator_app(directory_of_grace):
    def never(claims):
        raise AssertionError("coordinators are not asked")

    organizer = Organizer("ac-x", "Ana", Role.AREA_COORDINATOR, "ana@example.org", ("CA",))
    directory = lambda: Directory((organizer,), None)  # noqa: E731
    caller = caller_from_claims(claims_for("area_coordinators", "ana@example.org"), directory, mfa_ok=never)
    assert caller.actor is Actor.AREA_COORDINATOR


def test_the_check_asks_cognito_whether_the_account_has_totp(aws, monkeypatch):
    from moto.cognitoidp.models import cognitoidp_backends

    from shared.api import auth

    pool_id = aws.name("OrganizerUserPool")
    cognito = aws.client("cognito-idp")
    with_app = cognito.admin_create_user(UserPoolId=pool_id, Username="fo@example.org")["User"]["Username"]
    without = cognito.admin_create_user(UserPoolId=pool_id, Username="fo2@example.org")["User"]["Username"]
    cognitoidp_backends["123456789012"]["us-east-1"].admin_get_user(pool_id, with_app).software_token_mfa_enabled = True
    monkeypatch.setenv("REQUIRE_STAFF_MFA", "true")
    monkeypatch.setenv("USER_POOL_ID", pool_id)

    assert auth.staff_mfa_ok({"cognito:username": with_app})
    assert not auth.staff_mfa_ok({"cognito:username": without})
    assert not auth.staff_mfa_ok({"cognito:username": "nobody"})
    monkeypatch.setenv("REQUIRE_STAFF_MFA", "false")
    assert auth.staff_mfa_ok({"cognito:username": "nobody"})  # where it is not required (local stack)


@pytest.fixture
def directory_of_grace():
    grace = Organizer("fo-west", "Grace Kim", Role.FIELD_ORGANIZER, "grace.kim@example.org", ("CA",))
    return lambda: Directory((grace,), None)
