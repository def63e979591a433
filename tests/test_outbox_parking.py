"""The outbox loses nothing (DESIGN §3): events EventBridge keeps refusing are parked, ids
only, on the outbox's durable queue, and the redrive publishes each once."""

from __future__ import annotations

import json

import pytest

from shared.outbox.parking import redrive
from shared.outbox.publisher import PublishFailed, publish
from tests.conftest import sent_emails
from tests.pipeline import run_async, submit


def parked(stack) -> list[dict]:
    sqs = stack.client("sqs")
    messages = sqs.receive_message(QueueUrl=stack.name("OutboxDLQ"), MaxNumberOfMessages=10, VisibilityTimeout=0).get(
        "Messages", []
    )
    return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def eventbridge_refuses(monkeypatch):
    """EventBridge refuses every entry (a poisoned record, or a long outage)."""
    calls = []

    def refuse(events):
        calls.append([e.detail_type for e in events])
        raise PublishFailed("1 events not accepted: ['InternalFailure']")

    monkeypatch.setattr("functions.outbox.app.publish", refuse)
    monkeypatch.setattr("shared.outbox.parking.time.sleep", lambda s: None)
    return calls


def test_a_poisoned_stream_record_leaves_its_event_on_the_durable_queue_with_ids_only(
    aws, directory, eventbridge_refuses
):
    submit(aws)

    run_async(aws)

    assert eventbridge_refuses == [["InquiryReceived"]] * 3  # retried, then parked
    [message] = parked(aws)
    assert message["kind"] == "parked-events"
    [event] = message["events"]
    assert event["detail_type"] == "InquiryReceived"
    assert set(event["detail"]) == {"group_id", "inquiry_id", "state", "organizer_id", "duplicate", "intent"}
    assert "ana" not in json.dumps(message).lower()
    assert sent_emails() == []


def test_the_redrive_publishes_a_parked_event_once(aws, directory, eventbridge_refuses, monkeypatch):
    submit(aws)
    run_async(aws)
    monkeypatch.undo()  # EventBridge takes entries again

    first = redrive(aws.name("OutboxDLQ"), publish)
    run_async(aws)
    second = redrive(aws.name("OutboxDLQ"), publish)
    run_async(aws)

    assert (first.published, first.messages, first.left) == (1, 1, 0)
    assert (second.published, second.messages) == (0, 0)
    assert sorted(e.to[0].casefold() for e in sent_emails()) == ["ana.souza@example.com", "diego.varga@example.org"]
    assert parked(aws) == []


def test_the_redrive_script_publishes_from_a_queue_and_a_bus(aws, directory, eventbridge_refuses, monkeypatch, capsys):
    from scripts.redrive_outbox import main

    submit(aws)
    run_async(aws)
    monkeypatch.undo()

    status = main(["--queue-url", aws.name("OutboxDLQ"), "--bus", aws.name("EventBus")])
    run_async(aws)

    assert status == 0
    assert "1 events published from 1 messages; 0 left" in capsys.readouterr().out
    assert len(sent_emails()) == 2


def test_a_record_that_cannot_even_be_parked_is_retried_and_its_pointer_left_for_a_person(
    aws, directory, eventbridge_refuses, monkeypatch
):
    def cannot_park(*args, **kwargs):
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr("shared.outbox.parking.park", cannot_park)
    submit(aws)

    run_async(aws)

    [pointer] = parked(aws)
    assert pointer["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert redrive(aws.name("OutboxDLQ"), publish).left == 1


# --- the daily sweep: an inquiry whose emails never went out ---------------------------


def _daily_run(stack, hours_from_now: float, drive=run_async) -> dict:
    from datetime import UTC, datetime, timedelta

    from local.lambda_runtime import invoke

    when = (datetime.now(UTC) + timedelta(hours=hours_from_now)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = invoke(stack, "FollowUpsFunction", {"time": when})
    drive(stack)
    return report


def _queues_only(stack) -> None:
    """The queues driven to the end, but not the table's stream: its InquiryReceived lost."""
    from local import drivers

    drivers.drain([p for p in drivers.pumps(stack) if isinstance(p, drivers.QueuePump)])


def test_the_daily_run_resends_an_inquiry_whose_emails_never_went_out_and_only_once(aws, directory):
    submit(aws)
    _queues_only(aws)
    assert sent_emails() == []

    early = _daily_run(aws, 0.5, _queues_only)  # within the grace hour: the normal path may be at work
    first = _daily_run(aws, 2, _queues_only)
    second = _daily_run(aws, 3, _queues_only)

    assert (early["inquiries_resent"], first["inquiries_resent"], second["inquiries_resent"]) == (0, 1, 0)
    assert sorted(e.to[0].casefold() for e in sent_emails()) == ["ana.souza@example.com", "diego.varga@example.org"]


def test_an_inquiry_whose_emails_went_out_is_not_resent(aws, directory):
    submit(aws)
    run_async(aws)

    assert _daily_run(aws, 2)["inquiries_resent"] == 0
    assert len(sent_emails()) == 2
