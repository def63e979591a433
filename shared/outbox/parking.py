"""Nothing the outbox derives is lost (DESIGN §3).

A stream record whose events EventBridge keeps refusing is not left to the event source's
on-failure destination alone, which receives only shard pointers that expire with the
stream (24 h). Its derived events (ids only, as published) are parked on the outbox's
durable queue (14 days, an alarm on it), and the record counts as handled. `redrive`
publishes what is parked, each message once: it is deleted only after its events were
accepted, and every consumer is idempotent should a redrive stop between the two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from shared.outbox.events import DomainEvent, detail_of, parse_event

PARKED = "parked-events"
PUBLISH_ATTEMPTS = 3


@cache
def _sqs() -> Any:
    import boto3  # lazy: cold start

    return boto3.client("sqs")


def park(events: Sequence[DomainEvent], record_id: str, queue_url: str, sqs: Any = None) -> None:
    body = {
        "kind": PARKED,
        "record_id": record_id,
        "events": [{"detail_type": e.detail_type, "detail": detail_of(e)} for e in events],
    }
    (sqs or _sqs()).send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))


def publish_or_park(
    events: Sequence[DomainEvent],
    record_id: str,
    publish: Callable[[Sequence[DomainEvent]], None],
    queue_url: str,
    sleep: Callable[[float], None] | None = None,
) -> bool:
    """Publish, retrying a few times; then park. True when published, False when parked.
    A failure to park propagates: the stream retries the record."""
    for attempt in range(PUBLISH_ATTEMPTS):
        try:
            publish(events)
            return True
        except Exception:  # noqa: BLE001 - any refusal or outage: retried, then parked
            if attempt + 1 < PUBLISH_ATTEMPTS:
                (sleep or time.sleep)(0.2 * 2**attempt)
    park(events, record_id, queue_url)
    return False


@dataclass
class RedriveReport:
    published: int = 0  # events published
    messages: int = 0  # parked messages redriven (and deleted)
    left: int = 0  # messages left on the queue (not parked events, or refused again)

    def __str__(self) -> str:
        return f"{self.published} events published from {self.messages} messages; {self.left} left on the queue"


def redrive(queue_url: str, publish: Callable[[Sequence[DomainEvent]], None], sqs: Any = None) -> RedriveReport:
    """Publish every parked message once and delete it. Anything else on the queue (a shard
    pointer from the event source's on-failure destination) is left there and counted."""
    sqs = sqs or _sqs()
    report = RedriveReport()
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            return report
        for message in fresh:
            seen.add(message["MessageId"])
            body = json.loads(message["Body"])
            if not isinstance(body, dict) or body.get("kind") != PARKED:
                report.left += 1
                continue
            events = [parse_event(e["detail_type"], e["detail"]) for e in body["events"]]
            try:
                publish([e for e in events if e is not None])
            except Exception:  # noqa: BLE001 - still refused: stays parked for the next redrive
                report.left += 1
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.published += len(events)
            report.messages += 1
