"""How many DynamoDB calls a stage move costs, counted at pynamodb's one dispatch point
(every table access of the domain goes through it). Upper bounds, so a change that adds a
round trip to the hot path has to say so here."""

from __future__ import annotations

from collections import Counter

import pytest
from pynamodb.connection import base

from shared.api import auth
from tests import given
from tests.pipeline import ADMIN, api, organizer_claims


@pytest.fixture
def dynamodb_calls(monkeypatch):
    calls: Counter[str] = Counter()
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(base.Connection, "_make_api_call", counting)
    return calls


def test_a_move_by_an_organizer_is_one_query_and_one_transaction_when_warm(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    claims = organizer_claims(directory, "ac-ca-north")
    api(aws, "GET", f"/groups/{gid}", claims)  # warms the directory cache
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", claims, {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"Query": 1, "TransactWriteItems": 1}


def test_a_cold_move_also_reads_the_directory_once(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    auth.clear_cache()
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", organizer_claims(directory, "ac-ca-north"), {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"Query": 2, "TransactWriteItems": 1}


def test_a_charter_adds_one_read_of_the_counter(aws, directory, dynamodb_calls):
    gid = given.group_at(aws, "get_chartered")
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "develop_plan", "case_id": "C-1"})

    assert dict(dynamodb_calls) == {"Query": 1, "GetItem": 1, "TransactWriteItems": 1}


def test_a_move_refused_by_its_gate_writes_nothing(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"Query": 1}
