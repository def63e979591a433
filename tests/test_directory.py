"""The organizer directory: its data file, its idempotent load, and GET /organizers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.domain.geography import STATE_CODES
from shared.storage.directory import load_directory, read_directory
from shared.storage.directory_file import DirectoryFile, parse_directory_file
from tests.pipeline import call_api, submit

ROOT = Path(__file__).resolve().parent.parent
FILE = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())


def test_the_data_file_covers_every_state_code_but_three_territories():
    covered = {s for o in FILE.organizers for s in o.states}
    assert STATE_CODES - covered == {"AS", "GU", "MP"}
    assert all(o.email.endswith("@example.org") for o in FILE.organizers)
    assert FILE.national_inbox.email.endswith("@example.org")


def test_at_least_one_big_state_is_split_by_zip_prefix():
    split = {o.states[0] for o in FILE.organizers if o.zip_prefixes}
    assert {"CA", "TX"} <= split


def test_zip_prefixes_of_one_state_do_not_overlap():
    by_state: dict[str, list[str]] = {}
    for o in FILE.organizers:
        for p in o.zip_prefixes:
            by_state.setdefault(o.states[0], []).append(p)
    for state, prefixes in by_state.items():
        for a in prefixes:
            assert not any(b != a and b.startswith(a) for b in prefixes), (state, a)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"states": ["XX"]}, "unknown state codes"),
        ({"zip_prefixes": ["9a"]}, "ZIP prefixes"),
        ({"role": "field_organizer", "zip_prefixes": ["900"]}, "only area coordinators"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_a_bad_entry_is_refused_with_a_reason(change, message):
    entry = {"id": "x-1", "name": "X", "role": "area_coordinator", "email": "x@example.org", "states": ["CA"]}
    with pytest.raises(ValidationError, match=message):
        DirectoryFile.model_validate({"national_inbox": {"name": "N", "email": "n@example.org"},
                                      "organizers": [{**entry, **change}]})  # fmt: skip


def test_duplicate_ids_are_refused():
    entry = {"id": "x-1", "name": "X", "role": "area_coordinator", "email": "x@example.org", "states": ["CA"]}
    with pytest.raises(ValidationError, match="duplicate organizer ids"):
        DirectoryFile.model_validate({"national_inbox": {"name": "N", "email": "n@example.org"},
                                      "organizers": [entry, {**entry, "email": "y@example.org"}]})  # fmt: skip


def test_loading_twice_changes_nothing_the_second_time(aws):
    first = load_directory(FILE)
    stored = read_directory()
    second = load_directory(FILE)

    assert (first.created, first.updated) == (len(FILE.organizers), 0)
    assert (second.created, second.updated, second.unchanged, second.deactivated) == (0, 0, len(FILE.organizers), 0)
    assert read_directory() == stored


def test_reloading_keeps_open_inquiry_counts_and_deactivates_who_left(directory, aws):
    submit(aws)
    kept = [o for o in FILE.organizers if o.id != "ac-ca-south"]
    renamed = [o.model_copy(update={"name": "Renamed"}) if o.id == "ac-ca-north" else o for o in kept]

    report = load_directory(FILE.model_copy(update={"organizers": tuple(renamed)}))

    assert (report.updated, report.deactivated) == (1, 1)
    now = read_directory()
    assert now.get("ac-ca-north").name == "Renamed"
    assert now.get("ac-ca-north").open_inquiries == 1
    assert now.get("ac-ca-south").active is False


def test_the_command_loads_a_table_by_name(aws, capsys):
    from scripts.load_directory import main

    assert main([str(ROOT / "data" / "organizers.yaml"), "--table", aws.name("GroupsTable")]) == 0
    assert main([str(ROOT / "data" / "organizers.yaml"), "--table", aws.name("GroupsTable")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"{len(FILE.organizers)} created" in out[0]
    assert f"0 created, 0 updated, {len(FILE.organizers)} unchanged" in out[1]


def test_get_organizers_for_a_state(directory, aws):
    response = call_api(aws, "OrganizersFunction", "GET", "/organizers", query={"state": "tx"})

    assert response.status == 200
    assert {o["organizer_id"] for o in response.body} == {"ac-tx-north", "ac-tx-south", "fo-plains"}
    assert [o["role"] for o in response.body] == ["area_coordinator", "area_coordinator", "field_organizer"]
    assert all(set(o) == {"organizer_id", "name", "role", "email", "states"} for o in response.body)
    assert response.headers["Cache-Control"].startswith("public")


def test_get_organizers_without_a_state_lists_everyone_active(directory, aws):
    response = call_api(aws, "OrganizersFunction", "GET", "/organizers")
    assert len(response.body) == len(FILE.organizers)
    assert {o["role"] for o in response.body} == {"area_coordinator", "field_organizer"}


def test_a_state_without_organizers_lists_none(directory, aws):
    assert call_api(aws, "OrganizersFunction", "GET", "/organizers", query={"state": "GU"}).body == []


def test_an_unknown_state_is_a_422_problem(directory, aws):
    response = call_api(aws, "OrganizersFunction", "GET", "/organizers", query={"state": "ZZ"})
    assert response.status == 422
    assert response.body["errors"][0]["field"] == "state"


# --- who looks after a group now (the emails about it) ----------------------------------


def _directory(*organizers):
    from shared.storage.directory import Directory, Inbox

    return Directory(tuple(organizers), Inbox("National", "organize@example.org"))


def _organizer(organizer_id, role, active=True):
    from shared.domain.routing import Organizer, Role

    return Organizer(organizer_id, organizer_id, Role(role), f"{organizer_id}@example.org", ("CA",), active=active)


def test_a_group_is_looked_after_by_the_organizer_it_was_routed_to():
    directory = _directory(_organizer("ac", "area_coordinator"), _organizer("fo", "field_organizer"))
    assert directory.contact_for("ac", "CA").organizer_id == "ac"


def test_when_that_organizer_has_left_the_states_field_organizer_looks_after_it():
    directory = _directory(_organizer("ac", "area_coordinator", active=False), _organizer("fo", "field_organizer"))
    assert directory.contact_for("ac", "CA").organizer_id == "fo"


def test_without_a_field_organizer_it_falls_to_the_national_inbox():
    directory = _directory(_organizer("ac", "area_coordinator", active=False))
    assert directory.contact_for("ac", "CA") is None
    assert directory.contact_for("ac", "TX") is None


def test_a_group_first_routed_to_the_national_inbox_goes_to_a_field_organizer_the_state_gains():
    assert _directory(_organizer("fo", "field_organizer")).contact_for(None, "CA").organizer_id == "fo"
