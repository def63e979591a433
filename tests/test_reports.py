"""The organizer reports: GET /reports/groups.csv (one row per group in the caller's scope,
no cell able to start a formula) and the pipeline report's timing (median days to first
contact, days in each stage), beside the unchanged counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from shared.api.auth import caller_from_claims
from shared.domain.reports import safe_cell
from shared.usecases import reports
from tests import given
from tests.pipeline import ADMIN, api, claims_for, organizer_claims


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana Souza", "Ana Souza"),
        ("a=b", "a=b"),
        (3, 3),
        (None, ""),
    ],
)
def test_no_cell_can_start_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_the_groups_csv_has_one_row_per_group_in_the_callers_states(aws, directory):
    ca = given.new_group(aws, "ca@example.com")
    given.new_group(aws, "ny@example.com", state="NY", zip="10001", city="New York")

    response = api(aws, "GET", "/reports/groups.csv", organizer_claims(directory, "ac-ca-north"))

    assert response.status == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="groups.csv"'
    (row,) = rows(response.body)
    assert row["group_id"] == ca
    assert (row["stage"], row["days_in_stage"], row["state"], row["city"]) == ("learn_more", "0", "CA", "San Francisco")
    assert (row["organizer_id"], row["organizer"]) == ("ac-ca-north", directory.get("ac-ca-north").name)
    assert (row["founder_name"], row["founder_email"]) == ("Ana Souza", "ca@example.com")
    assert row["created_at"]


def test_an_admin_gets_every_group_and_typed_formulas_stay_text(aws, directory):
    given.new_group(aws, "ca@example.com", name="=cmd|' /C calc'!A0")
    given.new_group(aws, "ny@example.com", state="NY", zip="10001", city="@New York")

    response = api(aws, "GET", "/reports/groups.csv", ADMIN)

    table = rows(response.body)
    assert len(table) == 2
    cells = [cell for row in table for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=cmd|' /C calc'!A0" in cells
    assert "'@New York" in cells


def test_the_groups_csv_needs_a_token(aws, directory):
    response = api(aws, "GET", "/reports/groups.csv", None)

    assert response.status == 401
    assert response.content_type == "application/problem+json"


def test_the_groups_csv_of_another_regions_organizer_is_empty(aws, directory):
    given.new_group(aws)

    response = api(
        aws, "GET", "/reports/groups.csv", claims_for("field_organizers", directory.get("fo-northeast").email)
    )

    assert rows(response.body) == []


def test_the_pipeline_keeps_its_counts_and_adds_timing(aws, directory):
    given.new_group(aws, "wait@example.com")
    given.group_at(aws, "organize_core", email="talked@example.com")

    body = api(aws, "GET", "/reports/pipeline", ADMIN).body

    assert (body["total"], body["totals"]["learn_more"], body["totals"]["organize_core"]) == (2, 1, 1)
    assert body["timing"]["first_contact"] == {"median_days": 0.0, "groups": 1}
    assert body["timing"]["days_in_stage"]["learn_more"] == {"median_days": 0.0, "groups": 1}
    assert body["timing"]["days_in_stage"]["active"] == {"median_days": None, "groups": 0}


def test_timing_counts_days_as_they_pass(aws, directory):
    given.new_group(aws, "one@example.com")
    given.new_group(aws, "two@example.com")
    later = given.now() + timedelta(days=10)

    timing = reports.timing(caller_from_claims(ADMIN), later)

    assert timing["days_in_stage"]["learn_more"] == {"median_days": 10.0, "groups": 2}
    assert timing["first_contact"] == {"median_days": None, "groups": 0}
