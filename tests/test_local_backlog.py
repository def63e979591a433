"""The local stack's backpressure (local/backlog.py), its event-sources process's start and
its pollers' pace when a source comes back empty."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from local import backlog
from local.backlog import Backlog, BacklogError, limit_from_environment, moto_queue_depth
from local.event_shapes import http_api_event
from local.stack import EMPTY_POLL_GAP_SECONDS, LocalStack


class Queues:
    """A depth the test sets; moved() as the event sources call it."""

    def __init__(self, depth: int) -> None:
        self.messages = depth

    def depth(self) -> int:
        return self.messages


def test_a_write_goes_at_once_while_the_queues_have_room():
    queues = Queues(depth=45)
    held = Backlog(queues.depth, limit=45, max_wait=5)

    assert held.room() == 0.0
    assert held.waited == 0


def test_a_write_waits_while_the_queues_are_full_and_goes_when_a_batch_makes_room(monkeypatch):
    monkeypatch.setattr(backlog, "RECHECK_SECONDS", 30)  # only the batch's news can let it go
    queues = Queues(depth=50)
    held = Backlog(queues.depth, limit=45, max_wait=30)
    waited: list[float] = []
    writer = threading.Thread(target=lambda: waited.append(held.room()))
    writer.start()
    time.sleep(0.1)
    assert writer.is_alive()  # held: 50 messages, room for 45
    queues.messages = 40  # a batch took 10 off
    told = time.monotonic()
    held.moved()
    writer.join(timeout=5)

    assert not writer.is_alive()
    assert time.monotonic() - told < 2  # went on the batch's news, not at a recheck or max_wait
    assert 0.1 <= waited[0] < 5
    assert held.waited == 1


def test_one_batch_that_makes_room_for_several_lets_every_waiting_write_go(monkeypatch):
    monkeypatch.setattr(backlog, "RECHECK_SECONDS", 30)  # only the one notice, passed on, lets them go
    queues = Queues(depth=100)
    held = Backlog(queues.depth, limit=45, max_wait=30)
    writers = [threading.Thread(target=held.room) for _ in range(5)]
    for w in writers:
        w.start()
    time.sleep(0.1)
    queues.messages = 0
    held.moved()  # one notice: each write that goes passes it on to the next one waiting
    for w in writers:
        w.join(timeout=3)

    assert not any(w.is_alive() for w in writers)
    assert held.waited == 5


def test_a_write_waits_at_most_max_wait_when_the_queues_stay_full():
    # A consumer that keeps failing (its messages retried until their DLQ) slows the API's
    # writes; it never stops them.
    held = Backlog(Queues(depth=1000).depth, limit=45, max_wait=0.3)

    waited = held.room()

    assert 0.3 <= waited < 2


def test_a_bound_of_zero_holds_nothing():
    held = Backlog(Queues(depth=10_000).depth, limit=0, max_wait=30)

    assert held.room() == 0.0


@pytest.mark.parametrize(
    ("value", "limit"), [(None, backlog.DEFAULT_LIMIT), ("", backlog.DEFAULT_LIMIT), ("0", 0), (" 120 ", 120)]
)
def test_local_backlog_sets_the_bound(value, limit):
    environ = {} if value is None else {"LOCAL_BACKLOG": value}

    assert limit_from_environment(environ) == limit


@pytest.mark.parametrize("value", ["many", "-1", "4.5"])
def test_local_backlog_that_is_not_a_number_of_messages_is_refused_by_name(value):
    with pytest.raises(BacklogError, match=rf"LOCAL_BACKLOG={value} is not a number of messages"):
        limit_from_environment({"LOCAL_BACKLOG": value})


def test_the_depth_is_what_moto_holds_in_the_named_queues_waiting_or_in_hand(aws):
    sqs = aws.session.client("sqs")
    inquiries, parked = aws.name("InquiriesQueue"), aws.name("EmailDLQ")  # their URLs
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=inquiries, MessageBody=body)
    sqs.send_message(QueueUrl=parked, MessageBody="parked")
    sqs.receive_message(QueueUrl=inquiries, MaxNumberOfMessages=1)  # one in hand
    names = [inquiries.rsplit("/", 1)[-1], "local-NoSuchQueue"]

    depth = moto_queue_depth(aws.resolver.account, aws.resolver.region, names)

    assert depth() == 3


def test_a_stacks_bound_counts_the_queues_its_functions_read_and_no_other(aws):
    sqs = aws.session.client("sqs")
    for logical in ("InquiriesQueue", "EmailQueue", "SesEventsQueue", "EmailDLQ", "InquiriesDLQ"):
        sqs.send_message(QueueUrl=aws.name(logical), MessageBody=logical)

    held = backlog.for_stack(aws, 45)

    assert held is not None
    assert held.limit == 45
    assert held.depth() == 3  # the three queues with a function behind them; the DLQs hold parked mail
    assert backlog.for_stack(aws, 0) is None


def test_only_an_api_request_that_may_write_waits_for_room(monkeypatch):
    monkeypatch.setattr("local.stack.invoke", lambda stack, function, event, environment: {"statusCode": 200})
    asked: list[str] = []
    local = LocalStack(aws_endpoint_url="", stack=None, accounts=None)  # type: ignore[arg-type]
    local.backlog = SimpleNamespace(room=lambda: asked.append("room"))  # type: ignore[assignment]

    for method in ("GET", "HEAD", "OPTIONS"):
        local.invoke("GroupsFunction", http_api_event(method, "/groups/g-1"))
    local.invoke("FollowUpsFunction", {"time": "2026-12-03T13:00:00Z", "detail-type": "Scheduled Event"})
    assert asked == []
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        local.invoke("IntakeFunction", http_api_event(method, "/inquiries"))
    assert asked == ["room"] * 4


def test_a_batch_done_in_an_event_sources_process_lets_a_held_write_look_again():
    moved: list[str] = []
    local = LocalStack(aws_endpoint_url="", stack=None, accounts=None)  # type: ignore[arg-type]
    local.sent_mail = SimpleNamespace(stamp=lambda: moved.append("stamped"))  # type: ignore[assignment]
    local.backlog = SimpleNamespace(moved=lambda: moved.append("moved"))  # type: ignore[assignment]

    local._batch_done()

    assert moved == ["stamped", "moved"]


def test_a_source_that_came_back_empty_is_not_asked_again_at_every_wake():
    # Under load every batch wakes every poller: an idle source (SES's events' queue) was
    # asked once per form, each empty ReceiveMessage paid by three processes.
    local = LocalStack(aws_endpoint_url="", stack=None, accounts=None)  # type: ignore[arg-type]
    steps: list[float] = []

    def step() -> int:
        steps.append(time.monotonic())
        return 0

    polling = threading.Thread(target=local._poll, args=(step,))
    polling.start()
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        local._work.wake()  # 100 wakes in the half second
        time.sleep(0.005)
    local._stopping.set()
    local._work.wake()
    polling.join(timeout=5)

    assert 2 <= len(steps) <= 0.5 / EMPTY_POLL_GAP_SECONDS + 2
    assert all(b - a >= EMPTY_POLL_GAP_SECONDS * 0.9 for a, b in zip(steps, steps[1:], strict=False))


def test_make_dev_refuses_a_local_backlog_that_is_not_a_number_before_it_starts(monkeypatch, capsys):
    from local import server

    monkeypatch.setenv("LOCAL_BACKLOG", "lots")
    monkeypatch.delenv("PARAMETERS", raising=False)
    monkeypatch.delenv("SEED", raising=False)

    assert server.main() == 2
    assert "LOCAL_BACKLOG=lots is not a number of messages" in capsys.readouterr().err


def test_a_batch_replayed_before_an_event_sources_process_is_ready_does_not_fail_the_start():
    # A process starts its pollers, then says ready: a stream with changes to replay may
    # report a batch first. That is a live process, not one that died before it was ready.
    import os
    import subprocess
    import sys
    from contextlib import ExitStack

    from local.event_sources import BATCH, READY, EventSources

    read_end, write_end = os.pipe()
    os.write(write_end, BATCH + READY + BATCH)
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)  # noqa: S603
    batches: list[str] = []
    with ExitStack() as cleanup:
        sources = EventSources(child, os.fdopen(read_end, "rb"))
        cleanup.callback(sources.stop)
        sources.sent = True
        sources.start({}, lambda: batches.append("batch"))
        os.close(write_end)
        deadline = time.monotonic() + 5
        while not batches and time.monotonic() < deadline:
            time.sleep(0.02)

    assert batches == ["batch"]  # the one after ready; the stop ended the child
    assert child.poll() == 0
