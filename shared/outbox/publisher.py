"""Publishes domain events to the EventBridge bus (the stream outbox's far end)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from shared import settings
from shared.outbox.events import SOURCE, DomainEvent, detail_of


class PublishFailed(Exception):
    """EventBridge refused some entries; the stream record is retried."""


@cache
def _client() -> Any:
    import boto3  # lazy: cold start

    return boto3.client("events")


def publish(events: Sequence[DomainEvent], client: Any = None) -> None:
    if not events:
        return
    client = client or _client()
    bus = settings.bus().event_bus_name
    for start in range(0, len(events), 10):  # PutEvents takes at most 10 entries
        chunk = events[start : start + 10]
        response = client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": json.dumps(detail_of(event)),
                    "EventBusName": bus,
                }
                for event in chunk
            ]
        )
        if response.get("FailedEntryCount"):
            codes = sorted({e.get("ErrorCode", "?") for e in response["Entries"] if e.get("ErrorCode")})
            raise PublishFailed(f"{response['FailedEntryCount']} events not accepted: {codes}")
