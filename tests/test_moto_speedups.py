"""local/moto_speedups.py: moto's answers unchanged, without the work that grew with the data."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import Queue, sqs_backends


def _queue(name: str) -> tuple[Any, str, Any]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    return sqs, url, sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[name]


def test_a_message_past_its_queues_retention_is_not_handed_out_and_a_fresh_one_is(aws: Any) -> None:
    sqs, url, queue = _queue("retention-check")
    sqs.send_message(QueueUrl=url, MessageBody="fresh")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in received] == ["fresh"]

    sqs.send_message(QueueUrl=url, MessageBody="old")
    (old,) = [m for m in queue._messages if m.body == "old"]
    old.sent_timestamp -= 61_000  # sent 61 s earlier: past the queue's 60 s
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def test_receiving_does_not_count_the_queues_messages_for_each_message(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, url, _ = _queue("receive-cost")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])

    def every_attribute(self: Queue) -> dict[str, Any]:
        raise AssertionError("ReceiveMessage computed every attribute of the queue")

    monkeypatch.setattr(Queue, "attributes", property(every_attribute))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    assert len(received) == 10


def test_sqs_reads_the_same_clock_as_before_and_a_message_is_hidden_for_its_visibility_timeout(aws: Any) -> None:
    from moto.core import utils
    from moto.sqs import models

    assert abs(models.unix_time() - utils.unix_time()) < 0.5
    assert abs(models.unix_time_millis() - utils.unix_time_millis()) < 500
    assert models.unix_time(utils.utcfromtimestamp(86_400)) == 86_400.0
    sqs, url, _ = _queue("visibility-clock")
    sqs.send_message(QueueUrl=url, MessageBody="once")
    assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"]) == 1
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
