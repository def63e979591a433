"""Time as the domain sees it: aware UTC datetimes, stored as ISO 8601 with a Z."""

from __future__ import annotations

from datetime import UTC, datetime

# The years a scheduled event's time can fall in (EventBridge's clock starts in 1970).
SCHEDULE_YEARS = range(1970, 10000)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_us(moment: datetime) -> str:
    """`iso` to the microsecond, for keys and orders where one second is too coarse."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
