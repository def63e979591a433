"""A follow-up run reads only what is due (DESIGN §5: "a sparse index or a due-date key,
never a Scan"; issue 5: the items read stay the same when the groups that are not due
grow tenfold), counted by what DynamoDB itself says it read.

The scaling test in test_follow_up_runs.py compares `items_read` as the run reports it,
which the code under test computes: a run that queried the whole Due partition with a
filter instead of a key condition would read every entry and still report only the due
ones. Here every DynamoDB call the process makes during the run is counted at botocore:
`ScannedCount` of each Query and Scan (the items DynamoDB read, before any filter), one
per GetItem, one per key of a BatchGetItem or TransactGetItems. The groups not due are IN
the Due index (their next follow-up falls due later), so only the key condition of the
Due query keeps them out of what is read.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from bench.follow_ups_scale import load_groups
from local.lambda_runtime import invoke
from shared.domain.clock import iso
from shared.usecases import lifecycle
from tests.given import ADMIN_CALLER
from tests.pipeline import VALID_FORM, submit_in_process


@dataclass
class Reads:
    """What DynamoDB read for the calls made while counting."""

    items: int = 0
    calls: Counter[str] = field(default_factory=Counter)

    def count(self, operation: str, params: dict[str, Any], response: dict[str, Any] | None) -> None:
        self.calls[operation] += 1
        if response is None:  # the call failed: DynamoDB read nothing it answered with
            return
        if operation in ("Query", "Scan"):
            self.items += int(response["ScannedCount"])
        elif operation == "GetItem":
            self.items += 1
        elif operation == "BatchGetItem":
            self.items += sum(len(request["Keys"]) for request in params["RequestItems"].values())
        elif operation == "TransactGetItems":
            self.items += len(params["TransactItems"])


@contextlib.contextmanager
def dynamodb_reads() -> Iterator[Reads]:
    """Count the reads of every DynamoDB call made by any botocore client in the process.
    pynamodb makes one botocore client per model class (and botocore session per thread),
    so hooking one client's events would miss the others: the hook is on the method every
    client's calls go through."""
    reads = Reads()
    call = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return call(client, operation, params)
        response = None
        try:
            response = call(client, operation, params)
            return response
        finally:
            reads.count(operation, params, response)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", counted)
        yield reads


def due_index_size(stack: Any) -> int:
    """How many groups the Due index holds (due now or later), read outside any count."""
    dynamodb = stack.client("dynamodb")
    table = stack.resolver.ref("GroupsTable")
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        IndexName="Due",
        KeyConditionExpression="DuePK = :due",
        ExpressionAttributeValues={":due": {"S": "DUE"}},
        Select="COUNT",
    )
    return sum(page["Count"] for page in pages)


def test_what_a_run_reads_does_not_grow_with_the_groups_due_later(directory, aws):
    now = datetime.now(UTC).replace(microsecond=0)
    made = iter(range(1, 250))

    def inquiries(n: int, days_ago: int) -> list[str]:
        """New inquiries from San Francisco, made `days_ago` days before the run."""
        out = []
        for _ in range(n):
            i = next(made)
            form = {**VALID_FORM, "email": f"applicant{i}@example.com"}
            outcome = submit_in_process(form, f"198.51.100.{i}", now - timedelta(days=days_ago))
            assert outcome.outcome == "new"
            out.append(outcome.group_id)
        return out

    def quiet(n: int) -> None:
        """Inquiries with a conversation logged: nothing due, out of the Due index."""
        conversation = {"kind": "conversation", "date": now.date().isoformat()}
        for group_id in inquiries(n, 1):
            lifecycle.log_activity(ADMIN_CALLER, group_id, conversation, None, now)

    def due_later(n: int) -> None:
        """Groups whose next follow-up is a month away, in the Due index, loaded as the
        benchmark loads them: a group and its inquiry each, batch-written (moto copies
        the whole table for every transaction; through the intake this test took 20 s)."""
        assert load_groups(n, 0, now - timedelta(days=1)) == 0

    def run() -> tuple[dict[str, Any], Reads]:
        with dynamodb_reads() as reads:
            report = invoke(aws, "FollowUpsFunction", {"time": iso(now)})
        return report, reads

    # Given 2 groups due for their reminder (3 days), 5 due later, 3 owing nothing.
    inquiries(2, 4)
    inquiries(1, 1)  # its reminder is 2 days away
    due_later(4)
    quiet(3)
    assert due_index_size(aws) == 2 + 5
    small, small_reads = run()
    # Then 2 more due, and the groups due later ten times as many: the 5, the first 2
    # (their escalation is 3 days away now) and 43 more.
    inquiries(2, 4)
    due_later(43)
    assert due_index_size(aws) == 2 + 50
    large, large_reads = run()

    assert small["taken"] == large["taken"] == {"first_contact_reminder": 2}
    assert small_reads.calls["Scan"] == large_reads.calls["Scan"] == 0
    # The hook saw the run: at least the 2 due entries and the 2 groups they point to.
    assert small_reads.items >= 4
    # No sender runs here, so the run's sweep also reads the inquiries never emailed (the
    # Due index's UNSENT partition: the 6 made through the intake, then 2 more), and nothing
    # of the groups due later.
    assert (small["inquiries_resent"], large["inquiries_resent"]) == (6, 8)
    assert large_reads.items == small_reads.items + 2, (small_reads, large_reads)
