"""Races against a real DynamoDB (DESIGN §1: group numbers exactly once; §2: atomic
writes, If-Match). moto is not concurrency-safe (TOOLS.md: two winners seen), so these run
against DynamoDB Local, started on a free port, with the template's tables created in it.

Threads call the domain service (shared/usecases/lifecycle.py), the code under every handler.
pynamodb shares one botocore client per model class across threads; botocore clients are
thread-safe (pynamodb keeps only its botocore *session* per thread).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.api.auth import Caller
from shared.domain.errors import DomainError
from shared.domain.stages import Actor
from shared.settings import GATE_MINIMUMS
from shared.storage import groups, inquiries
from shared.storage.directory import read_directory
from shared.usecases import lifecycle
from shared.usecases.intake import accept_inquiry, store_submission
from tests import ddblocal
from tests.pipeline import VALID_FORM, submit_in_process

pytestmark = pytest.mark.ddblocal

ADMIN = Caller(Actor.ADMIN, "admin@example.org", subject="admin-sub")
FIELD_ORGANIZER = Caller(Actor.FIELD_ORGANIZER, "grace.kim@example.org", "fo-west", frozenset({"CA", "OR", "WA"}))
# The races are about the writes, not the gates: every gate but the charter's is opened as
# far as the one place gates are configured (GATE_OVERRIDES) allows, so groups get to
# get_chartered in three moves.
OPEN_GATES = dict(GATE_MINIMUMS)


@pytest.fixture
def real_dynamodb(dynamodb_local: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Fresh tables of template.yaml in DynamoDB Local, pynamodb and boto3 pointed at them,
    the organizer directory loaded, and every gate but the charter's opened."""
    with ddblocal.fresh_tables(dynamodb_local, monkeypatch, gate_overrides=OPEN_GATES) as resolver:
        yield resolver


def now() -> datetime:
    return datetime.now(UTC)


def new_group(n: int) -> str:
    form = {**VALID_FORM, "email": f"founder{n}@example.com"}
    outcome = submit_in_process(form, f"198.51.100.{n % 250}", now())
    assert outcome.outcome == "new"
    return outcome.group_id


def move(caller: Caller, group_id: str, body: dict[str, Any], if_match: str | None = None) -> lifecycle.Written:
    return lifecycle.move_stage(caller, group_id, body, if_match, now())


def group_at_get_chartered(n: int) -> str:
    gid = new_group(n)
    for to in ("organize_core", "step_up_activism", "get_chartered"):
        move(ADMIN, gid, {"to": to})
    return gid


def race(calls: list[Callable[[], Any]]) -> list[tuple[int, Any]]:
    """Run every call at once (released together by a barrier); (status, body) of each,
    the status a DomainError maps to, or 200 with the result."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> tuple[int, Any]:
        barrier.wait()
        try:
            return 200, call()
        except DomainError as err:
            return err.status, err

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_50_concurrent_charters_of_50_groups_take_50_consecutive_numbers(real_dynamodb):
    with ThreadPoolExecutor(max_workers=8) as pool:
        gids = list(pool.map(group_at_get_chartered, range(50)))

    outcomes = race(
        [
            lambda g=g, i=i: move(FIELD_ORGANIZER, g, {"to": "develop_plan", "case_id": f"C-{i}"})
            for i, g in enumerate(gids)
        ]
    )

    assert [status for status, _ in outcomes] == [200] * 50
    numbers = sorted(result.body["group_number"] for _, result in outcomes)
    assert numbers == list(range(1, 51))
    assert groups.read_group_number() == 50
    for gid in gids:
        record = groups.read_group(gid)
        charters = [h for h in record.history if h.to_stage == "develop_plan"]
        assert len(charters) == 1
        assert charters[0].group_number == record.group.group_number
        assert record.group.version == 5


@pytest.mark.parametrize("with_if_match", [False, True], ids=["no-if-match", "if-match"])
def test_20_concurrent_closes_of_one_group_one_wins_and_nothing_is_half_written(real_dynamodb, with_if_match):
    gid = new_group(1)
    organizer_before = read_directory().get("ac-ca-north").open_inquiries

    outcomes = race(
        [
            lambda i=i: move(
                ADMIN, gid, {"to": "closed", "reason": "other", "note": f"close {i}"}, '"1"' if with_if_match else None
            )
            for i in range(20)
        ]
    )

    statuses = Counter(status for status, _ in outcomes)
    assert statuses == ({200: 1, 412: 19} if with_if_match else {200: 1, 409: 19})
    (winner,) = [body for status, body in outcomes if status == 200]
    record = groups.read_group(gid)
    assert record.group.version == 2
    assert record.group.stage == "closed"
    assert record.group.closed_reason == winner.body["closed_reason"]
    assert [h.version for h in record.history] == [2]
    assert read_directory().get("ac-ca-north").open_inquiries == organizer_before - 1
    assert inquiries.find_open_group_id("founder1@example.com") is None


def test_20_concurrent_forward_moves_of_one_group_one_wins(real_dynamodb):
    gid = new_group(2)
    move(ADMIN, gid, {"to": "organize_core"})

    outcomes = race([lambda i=i: move(ADMIN, gid, {"to": "step_up_activism", "note": f"n{i}"}) for i in range(20)])

    assert Counter(status for status, _ in outcomes) == {200: 1, 409: 19}
    record = groups.read_group(gid)
    assert (record.group.stage, record.group.version) == ("step_up_activism", 3)
    assert [(h.from_stage, h.to_stage) for h in record.history] == [
        ("learn_more", "organize_core"),
        ("organize_core", "step_up_activism"),
    ]


def test_the_same_charter_retried_10_times_at_once_takes_one_number(real_dynamodb):
    gid = group_at_get_chartered(3)
    counter_before = groups.read_group_number()
    request = {"to": "develop_plan", "case_id": "AMR 51/001/2026"}

    outcomes = race([lambda: move(FIELD_ORGANIZER, gid, request) for _ in range(10)])

    # One charter commits; every other copy of the request is answered from it (a replay
    # gets the number the charter took, not a 409 and not a second number).
    assert [status for status, _ in outcomes] == [200] * 10
    assert {result.body["group_number"] for _, result in outcomes} == {counter_before + 1}
    assert {(result.body["stage"], result.version) for _, result in outcomes} == {("develop_plan", 5)}
    assert groups.read_group_number() == counter_before + 1
    record = groups.read_group(gid)
    assert record.group.group_number == counter_before + 1
    assert [h.to_stage for h in record.history].count("develop_plan") == 1


def test_the_same_charter_with_if_match_10_times_at_once_one_wins_the_rest_412(real_dynamodb):
    gid = group_at_get_chartered(4)
    etag = f'"{lifecycle.get_group(ADMIN, gid).version}"'
    request = {"to": "develop_plan", "case_id": "AMR 51/001/2026"}

    outcomes = race([lambda: move(FIELD_ORGANIZER, gid, request, etag) for _ in range(10)])

    assert Counter(status for status, _ in outcomes) == {200: 1, 412: 9}
    assert groups.read_group_number() == 1


def test_concurrent_members_without_if_match_all_apply_each_once_on_its_own_version(real_dynamodb):
    gid = new_group(5)
    names = [f"Member {i}" for i in range(8)]

    outcomes = race(
        [
            lambda name=name: lifecycle.add_member(ADMIN, gid, {"name": name, "role": "member"}, None, now())
            for name in names
        ]
    )

    # DESIGN §2: without If-Match, a write applies atomically to the current version; each
    # lost race re-reads and retries (RACE_ATTEMPTS), so every one of them lands.
    assert [status for status, _ in outcomes] == [200] * len(names), [r for s, r in outcomes if s != 200]
    applied = {name: result for name, (_, result) in zip(names, outcomes, strict=True)}
    # One version each, one after another from the group's first: no write applied twice
    # or on top of a version it did not read.
    assert sorted(result.version for result in applied.values()) == list(range(2, 2 + len(names)))
    record = groups.read_group(gid)
    assert record.group.version == 1 + len(names)
    stored = Counter((m.name, m.member_id) for m in record.members)
    assert stored == Counter((name, r.body["member"]["member_id"]) for name, r in applied.items())


# --- duplicate submissions (DESIGN §2: one open group per email) ---------------------------


def _race(n: int, submit: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)

    def one(i: int) -> Any:
        barrier.wait()
        return submit(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_20_concurrent_submissions_for_one_email_make_one_group(real_dynamodb):
    # Different words each time (a person pressing send again after editing), mixed case:
    # each is accepted by the request path, then the consumer's invocations race to store them.
    accepted = [
        accept_inquiry(
            {**VALID_FORM, "email": "Race@Example.com" if i % 2 else "race@example.COM", "message": f"try {i}"},
            f"203.0.113.{i}",
            now(),
        )
        for i in range(20)
    ]
    assert {a.status for a in accepted} == {202}  # the answer never tells (DESIGN §2)

    outcomes = _race(20, lambda i: store_submission(accepted[i].submission))

    assert sorted(o.outcome for o in outcomes) == ["new"] + ["repeat"] * 19
    assert len({o.group_id for o in outcomes}) == 1
    group_id = outcomes[0].group_id
    assert inquiries.find_open_group_id("race@example.com") == group_id
    record = groups.read_group(group_id)
    stored = record.items_read - 1 - len(record.members) - len(record.activities) - len(record.history)
    assert stored == 20  # every distinct submission is kept, each once
    assert read_directory().get("ac-ca-north").open_inquiries == 1  # counted once, for the one group


def test_the_same_submission_sent_20_times_at_once_is_stored_once(real_dynamodb):
    # Twenty sends of the same words the same day (a flaky connection retrying): twenty answers
    # alike but for their inquiry_id, and one inquiry stored.
    accepted = [accept_inquiry({**VALID_FORM, "email": "retry@example.com"}, "203.0.113.9", now()) for _ in range(20)]
    outcomes = _race(20, lambda i: store_submission(accepted[i].submission))

    assert sorted(o.outcome for o in outcomes) == ["again"] * 19 + ["new"]
    assert len({o.group_id for o in outcomes}) == 1
    assert len({a.body["inquiry_id"] for a in accepted}) == 20
    record = groups.read_group(outcomes[0].group_id)
    assert record.items_read == 2  # the group and its one inquiry


def test_one_message_delivered_20_times_at_once_stores_one_group_under_its_inquiry_id(real_dynamodb):
    # SQS delivers at least once: the same message to concurrent invocations of the consumer.
    submission = accept_inquiry({**VALID_FORM, "email": "twice@example.com"}, "203.0.113.10", now()).submission
    outcomes = _race(20, lambda i: store_submission(submission))

    assert sorted(o.outcome for o in outcomes) == ["again"] * 19 + ["new"]
    group_id = inquiries.find_open_group_id("twice@example.com")
    assert {o.group_id for o in outcomes} == {group_id}
    record = groups.read_group(group_id)
    assert record.items_read == 2  # the group and its one inquiry
    assert inquiries.get_inquiry(group_id, submission.inquiry_id) is not None  # the id the applicant was given
    assert read_directory().get("ac-ca-north").open_inquiries == 1
