"""Routing (DESIGN §4) as a pure function, and over every state code with the real directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.domain.geography import STATE_CODES
from shared.domain.routing import Organizer, Role, RouteReason, field_organizer_for, route
from shared.storage.directory_file import parse_directory_file

ROOT = Path(__file__).resolve().parent.parent


def coordinator(oid: str, states=("CA",), prefixes=(), open_inquiries=0, active=True) -> Organizer:
    return Organizer(
        oid,
        oid.title(),
        Role.AREA_COORDINATOR,
        f"{oid}@example.org",
        tuple(states),
        tuple(prefixes),
        open_inquiries,
        active,
    )


def field_organizer(oid: str, states=("CA",), open_inquiries=0, active=True) -> Organizer:
    return Organizer(
        oid,
        oid.title(),
        Role.FIELD_ORGANIZER,
        f"{oid}@example.org",
        tuple(states),
        (),
        open_inquiries,
        active,
    )


def test_zip_prefix_coordinator_wins_over_statewide_coordinator_and_field_organizer():
    directory = [
        coordinator("statewide"),
        coordinator("south", prefixes=("900", "91")),
        field_organizer("fo"),
    ]
    routing = route("CA", "90012", directory)
    assert routing.organizer.organizer_id == "south"
    assert routing.reason is RouteReason.ZIP_PREFIX


def test_longest_zip_prefix_wins():
    directory = [coordinator("broad", prefixes=("9",)), coordinator("narrow", prefixes=("9001",))]
    assert route("CA", "90012-1234", directory).organizer.organizer_id == "narrow"
    assert route("CA", "95012", directory).organizer.organizer_id == "broad"


def test_zip_outside_every_prefix_goes_to_the_statewide_coordinator():
    directory = [coordinator("statewide"), coordinator("south", prefixes=("900",))]
    routing = route("CA", "95814", directory)
    assert (routing.organizer.organizer_id, routing.reason) == ("statewide", RouteReason.STATE_COORDINATOR)


def test_split_state_without_statewide_coordinator_uses_any_of_its_coordinators():
    directory = [
        coordinator("south", prefixes=("900",), open_inquiries=4),
        coordinator("north", prefixes=("95",), open_inquiries=1),
    ]
    routing = route("CA", "93001", directory)
    assert (routing.organizer.organizer_id, routing.reason) == ("north", RouteReason.STATE_COORDINATOR)


def test_among_equals_the_one_with_fewest_open_inquiries_then_lowest_id():
    busy, free, free_too = (
        coordinator("b", open_inquiries=5),
        coordinator("z", open_inquiries=1),
        coordinator("y", open_inquiries=1),
    )
    assert route("CA", "95814", [busy, free, free_too]).organizer.organizer_id == "y"


def test_field_organizer_when_the_state_has_no_coordinator():
    directory = [coordinator("other", states=("OR",)), field_organizer("fo", states=("CA", "OR"))]
    routing = route("CA", "95814", directory)
    assert (routing.organizer.organizer_id, routing.reason) == ("fo", RouteReason.FIELD_ORGANIZER)


def test_national_inbox_when_nobody_covers_the_state():
    routing = route("GU", "96910", [coordinator("ca"), field_organizer("fo")])
    assert routing.organizer is None
    assert routing.reason is RouteReason.NATIONAL_INBOX
    assert "National" in routing.explanation


def test_inactive_organizers_are_never_chosen():
    directory = [coordinator("gone", active=False), field_organizer("fo")]
    assert route("CA", "95814", directory).organizer.organizer_id == "fo"
    assert field_organizer_for("CA", [field_organizer("x", active=False)]) is None


def test_routing_records_who_was_considered():
    directory = [coordinator("b"), coordinator("a"), field_organizer("fo"), coordinator("x", states=("OR",))]
    assert route("CA", "95814", directory).considered == ("a", "b", "fo")


# --- the real directory: every state code routes somewhere sensible -------------------

REAL = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
REAL_ORGANIZERS = [Organizer(o.id, o.name, o.role, o.email, o.states, o.zip_prefixes) for o in REAL.organizers]
TERRITORIES_WITHOUT_ORGANIZERS = {"AS", "GU", "MP"}


@pytest.mark.parametrize("state", sorted(STATE_CODES))
def test_every_state_routes_to_someone_who_covers_it(state):
    # The expectation is read from the data file, the rule from DESIGN §4: the state's
    # coordinators, else its field organizer, else the national inbox.
    coordinators = {o.id for o in REAL.organizers if state in o.states and o.role is Role.AREA_COORDINATOR}
    field_organizers = {o.id for o in REAL.organizers if state in o.states and o.role is Role.FIELD_ORGANIZER}

    routing = route(state, "00000", REAL_ORGANIZERS)

    if coordinators:
        assert routing.reason is RouteReason.STATE_COORDINATOR
        assert routing.organizer.organizer_id in coordinators
    elif field_organizers:
        assert routing.reason is RouteReason.FIELD_ORGANIZER
        assert routing.organizer.organizer_id in field_organizers
    else:
        assert state in TERRITORIES_WITHOUT_ORGANIZERS
        assert (routing.reason, routing.organizer) == (RouteReason.NATIONAL_INBOX, None)
    assert set(routing.considered) == coordinators | field_organizers


def test_the_directory_has_every_kind_of_state():
    # So that the test above exercises each branch of the rule on real data.
    kinds = {route(s, "00000", REAL_ORGANIZERS).reason for s in STATE_CODES}
    assert kinds == {RouteReason.STATE_COORDINATOR, RouteReason.FIELD_ORGANIZER, RouteReason.NATIONAL_INBOX}


@pytest.mark.parametrize("state", sorted(STATE_CODES - TERRITORIES_WITHOUT_ORGANIZERS))
def test_every_covered_state_has_a_field_organizer_for_escalations(state):
    assert field_organizer_for(state, REAL_ORGANIZERS) is not None


@pytest.mark.parametrize(
    ("zip_code", "expected"),
    [
        ("90012", "ac-ca-south"),
        ("94110", "ac-ca-north"),
        ("75201", "ac-tx-north"),
        ("78701", "ac-tx-south"),
        ("10001", "ac-ny-city"),
        ("14604", "ac-ny-upstate"),
    ],
)
def test_split_states_route_by_zip_prefix(zip_code, expected):
    state = {"9": "CA", "7": "TX", "1": "NY"}[zip_code[0]]
    assert route(state, zip_code, REAL_ORGANIZERS).organizer.organizer_id == expected
