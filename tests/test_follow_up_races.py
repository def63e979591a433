"""Overlapping scheduled runs (DESIGN §5: "running the same slot twice sends nothing
twice"; issue 5: "two overlapping runs"). Scheduler retries a run it thinks failed, and a
slow run can still be going when the next one starts, so several `run_follow_ups(now)`
may work on the same due set at once. Against DynamoDB Local (moto is not
concurrency-safe: TOOLS.md), with the seed's gates and follow-up thresholds.

What is checked: the follow-ups the runs report taken, summed over all runs, and what the
runs leave behind, read straight from the table and its stream (the outbox): one notice
item and one FollowUpDue per follow-up; one close per stale inquiry; the routed
organizer's open-inquiry count down once per close; each group's place in the Due index
where its next follow-up is. Once with the runs free-running, and once held so that every
run reads each group before any of them writes to it (every write then races).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from shared import settings
from shared.domain.clock import iso
from shared.outbox.events import FollowUpDue, GroupStageChanged, TableChange, events_for_change
from shared.parsing.inquiry import email_key
from shared.storage import groups, inquiries
from shared.storage.directory import read_directory
from shared.storage.dynamodb_stores import DynamoGroupStore
from shared.storage.stores import Stores, installed, stores
from shared.usecases.scheduled_runs import RunFailed, run_follow_ups
from tests import ddblocal
from tests.pipeline import VALID_FORM, submit_in_process

pytestmark = pytest.mark.ddblocal


RUNS = 4  # overlapping runs of the same slot
RUN_AT = datetime.now(UTC).replace(microsecond=0)
ORGANIZER = "ac-ca-north"  # where an inquiry from San Francisco is routed
# DESIGN §5 defaults, in days after the inquiry.
REMINDER, ESCALATION, CLOSE = 3, 7, 60


@pytest.fixture
def real_dynamodb(dynamodb_local: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with ddblocal.fresh_tables(dynamodb_local, monkeypatch) as resolver:
        yield resolver


def inquiry_days_ago(days: int, n: int) -> str:
    """A new inquiry from San Francisco, made `days` before the run."""
    form = {**VALID_FORM, "email": f"founder{n}@example.com"}
    outcome = submit_in_process(form, f"198.51.100.{n}", RUN_AT - timedelta(days=days))
    assert outcome.outcome == "new"
    return outcome.group_id


class Table:
    """The test's own reads of the table and its stream (not the product's)."""

    def __init__(self, server: Any, name: str) -> None:
        self.client, self.streams, self.name = server.client(), server.client("dynamodbstreams"), name

    def items(self, group_id: str, prefix: str) -> list[dict[str, Any]]:
        page = self.client.query(
            TableName=self.name,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"GROUP#{group_id}"}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )
        assert "LastEvaluatedKey" not in page
        return [_plain(item) for item in page["Items"]]

    def group(self, group_id: str) -> dict[str, Any]:
        (group,) = self.items(group_id, "GROUP")
        return group

    def changes(self) -> list[TableChange]:
        """Every record on the table's stream so far, oldest first in each shard."""
        arn = self.client.describe_table(TableName=self.name)["Table"]["LatestStreamArn"]
        changes = []
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                if not page["Records"]:
                    break
                for record in page["Records"]:
                    images = record["dynamodb"]
                    changes.append(
                        TableChange(
                            record["eventName"],
                            _plain(images["OldImage"]) if "OldImage" in images else None,
                            _plain(images["NewImage"]) if "NewImage" in images else None,
                        )
                    )
                iterator = page.get("NextShardIterator")
        return changes


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    deserialize = TypeDeserializer().deserialize
    return {name: deserialize(value) for name, value in item.items()}


class Lockstep(DynamoGroupStore):
    """The table's group store, but each run, after its first read of a group, waits until
    every run has read that group: so all of them act on the same version and every write
    races. Without it the first run mostly stays one group ahead and the others only find
    its work done. Installed for the runs with `installed` (shared/storage/stores.py)."""

    def __init__(self, runs: int) -> None:
        self._runs = runs
        self._lock = threading.Lock()
        self._barriers: dict[str, threading.Barrier] = defaultdict(lambda: threading.Barrier(self._runs))
        self.seen: set[tuple[int, str]] = set()  # (thread, group id): each run's first reads
        self.broken: list[str] = []

    def read_group(self, group_id: str) -> Any:
        record = groups.read_group(group_id)
        with self._lock:
            first = (threading.get_ident(), group_id) not in self.seen
            self.seen.add((threading.get_ident(), group_id))
            barrier = self._barriers[group_id]
        if first:  # a re-read after a lost race does not wait: the others may be done
            try:
                barrier.wait(timeout=10)
            except threading.BrokenBarrierError:
                self.broken.append(group_id)
        return record


def overlapping_runs(n: int) -> list[Any]:
    """`n` runs of the same slot, released together; each one's report, or its RunFailed."""
    barrier = threading.Barrier(n)

    def one(_: int) -> Any:
        barrier.wait()
        try:
            return run_follow_ups(RUN_AT)
        except RunFailed as failed:
            return failed

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize("lockstep", [True, False], ids=["reading-each-group-together", "free-running"])
def test_overlapping_runs_take_each_follow_up_once_and_close_each_stale_inquiry_once(
    real_dynamodb, dynamodb_local, lockstep
):
    table = Table(dynamodb_local, real_dynamodb.ref("GroupsTable"))
    made = iter(range(1, 250))
    reminded = {inquiry_days_ago(4, next(made)): 4 for _ in range(6)}  # the reminder is due
    escalated = {inquiry_days_ago(8, next(made)): 8 for _ in range(2)}  # found late: escalation
    stale = {inquiry_days_ago(61, next(made)): 61 for _ in range(3)}  # to be closed, no_response
    quiet = {inquiry_days_ago(1, next(made)): 1 for _ in range(2)}  # nothing due yet
    open_before = read_directory().get(ORGANIZER).open_inquiries
    assert open_before == 13

    together = Lockstep(RUNS)
    with installed(Stores(together, stores().notices)) if lockstep else nullcontext():
        outcomes = overlapping_runs(RUNS)
    if lockstep:
        assert len(together.seen) == RUNS * 11, "every run read every due group through the waiting store"
        assert together.broken == [], "every run read every due group before any of them wrote"

    failed = [o for o in outcomes if isinstance(o, RunFailed)]
    assert failed == [], "a run gave up on a group that the other runs were following up"
    taken = sum((report.taken for report in outcomes), Counter())
    assert taken == {"first_contact_reminder": 6, "first_contact_escalation": 2, "close_no_response": 3}
    assert all(report.due <= 11 for report in outcomes)

    # One notice item per follow-up, and nothing else under the groups that were chased.
    for group_id, action in [*((g, "first_contact_reminder") for g in reminded),
                             *((g, "first_contact_escalation") for g in escalated)]:  # fmt: skip
        assert [n["action"] for n in table.items(group_id, "NOTICE#")] == [action], group_id
        assert table.items(group_id, "HISTORY#") == []
        assert table.group(group_id)["version"] == 1  # a follow-up changes nothing organizers see
    # One close per stale inquiry, by the run, on the version it read.
    for group_id in stale:
        moves = [(h["from_stage"], h["to_stage"], h["reason"], h["by"]) for h in table.items(group_id, "HISTORY#")]
        assert moves == [("learn_more", "closed", "no_response", "system:follow-ups")]
        group = table.group(group_id)
        assert (group["stage"], group["version"], group["closed_reason"]) == ("closed", 2, "no_response")
        assert table.items(group_id, "NOTICE#") == []
        assert inquiries.find_open_group_id(email_key(group["founder_email"])) is None
    assert read_directory().get(ORGANIZER).open_inquiries == open_before - len(stale)

    # Each group's Due entry is its next follow-up: the escalation after a reminder, the
    # close after an escalation, the retention erasure a year on for a closed group (DESIGN
    # §5), the untouched reminder for the rest.
    def next_due(group_id: str) -> str | None:
        return table.group(group_id).get("DueSK")

    def at(group_id: str, days_ago: int, days: int) -> str:
        return f"{iso(RUN_AT - timedelta(days=days_ago) + timedelta(days=days))}#{group_id}"

    assert {g: next_due(g) for g in reminded} == {g: at(g, ago, ESCALATION) for g, ago in reminded.items()}
    assert {g: next_due(g) for g in escalated} == {g: at(g, ago, CLOSE) for g, ago in escalated.items()}
    retention = settings.follow_ups().retention_days
    assert {g: next_due(g) for g in stale} == {g: f"{iso(RUN_AT + timedelta(days=retention))}#{g}" for g in stale}
    assert {g: next_due(g) for g in quiet} == {g: at(g, ago, REMINDER) for g, ago in quiet.items()}

    # The outbox: each notice inserted once (one FollowUpDue, so one email, each), each
    # close one GroupStageChanged. (Only the runs write notices or move stages here. A
    # second write of an identical item leaves no stream record: the runs' `taken` above
    # is what shows a notice taken twice.)
    changes = table.changes()
    notice_writes = Counter((c.event_name, c.new["group_id"]) for c in changes if c.new and c.new["kind"] == "notice")
    assert notice_writes == Counter({("INSERT", g): 1 for g in [*reminded, *escalated]})
    events = [event for change in changes for event in events_for_change(change)]
    follow_ups = Counter((e.group_id, e.action) for e in events if isinstance(e, FollowUpDue))
    assert follow_ups == Counter(
        {
            **{(g, "first_contact_reminder"): 1 for g in reminded},
            **{(g, "first_contact_escalation"): 1 for g in escalated},
        }
    )
    closes = Counter((e.group_id, e.to_stage) for e in events if isinstance(e, GroupStageChanged))
    assert closes == Counter({(g, "closed"): 1 for g in stale})

    # And the slot replayed once more afterwards finds nothing due.
    assert run_follow_ups(RUN_AT).due == 0
