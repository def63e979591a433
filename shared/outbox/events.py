"""Domain events (DESIGN §3) and how committed table changes become them.

The DynamoDB stream is the outbox: an event exists only because its state was committed.
`events_for_change` is pure; shared/outbox/publisher.py sends what it returns to EventBridge.
Events carry ids, never personal data: consumers read what they need from the table.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Self, get_type_hints

SOURCE = "start-a-group"


class InvalidEvent(ValueError):
    """An event's detail lacks a field or has one of the wrong type (never one of ours)."""


@dataclass(frozen=True)
class _Event:
    """A domain event: frozen, and read from an EventBridge detail field by field (unknown
    fields are ignored, as a consumer must for events that gain fields). Plain dataclasses,
    not pydantic: the email sender reads one per message and the outbox makes them, and
    pydantic's import would be most of their cold start for four flat records."""

    detail_type: ClassVar[str]

    @classmethod
    def from_detail(cls, detail: dict[str, Any]) -> Self:
        if not isinstance(detail, dict):
            raise InvalidEvent(f"{cls.detail_type}: the detail is not an object")
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in detail:
                if f.default is dataclasses.MISSING:
                    raise InvalidEvent(f"{cls.detail_type}: {f.name} is missing")
                continue
            values[f.name] = _checked(cls.detail_type, f.name, detail[f.name], hints[f.name])
        return cls(**values)


def _checked(event: str, name: str, value: Any, hint: Any) -> Any:
    allowed = getattr(hint, "__args__", (hint,))
    if value is None and type(None) in allowed:
        return None
    for kind in allowed:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is str and isinstance(value, str):
            return value
    raise InvalidEvent(f"{event}: {name} has the wrong type")


@dataclass(frozen=True)
class InquiryReceived(_Event):
    detail_type: ClassVar[str] = "InquiryReceived"

    group_id: str
    inquiry_id: str
    state: str
    organizer_id: str | None
    duplicate: bool
    intent: str | None = None  # "join": a request to join this chartered group

    @property
    def dedup_key(self) -> str:
        return f"inquiry:{self.inquiry_id}"


@dataclass(frozen=True)
class GroupStageChanged(_Event):
    detail_type: ClassVar[str] = "GroupStageChanged"

    group_id: str
    from_stage: str
    to_stage: str
    version: int
    changed_by: str | None
    changed_at: str
    group_number: int | None = None
    case_id: str | None = None

    @property
    def dedup_key(self) -> str:
        return f"stage:{self.group_id}:{self.version}"


@dataclass(frozen=True)
class GroupReassigned(_Event):
    """A group handed to another organizer (PUT /groups/{id}/organizer): the group item's
    organizer changed. Both organizers are emailed."""

    detail_type: ClassVar[str] = "GroupReassigned"

    group_id: str
    from_organizer_id: str | None
    to_organizer_id: str | None
    version: int
    changed_by: str | None
    changed_at: str

    @property
    def dedup_key(self) -> str:
        return f"reassign:{self.group_id}:{self.version}"


@dataclass(frozen=True)
class FollowUpDue(_Event):
    """A follow-up a scheduled run took (DESIGN §5): reminder, escalation, nudge, notice."""

    detail_type: ClassVar[str] = "FollowUpDue"

    group_id: str
    action: str
    slot: str
    due_at: str
    run_at: str | None = None  # the run that took it (its "now"); None in older events

    @property
    def dedup_key(self) -> str:
        return f"followup:{self.group_id}:{self.slot}"


@dataclass(frozen=True)
class DigestDue(_Event):
    """An organizer's weekly digest, taken once per ISO week."""

    detail_type: ClassVar[str] = "DigestDue"

    organizer_id: str
    week: str
    as_of: str

    @property
    def dedup_key(self) -> str:
        return f"digest:{self.organizer_id}:{self.week}"


@dataclass(frozen=True)
class StatusLinkRequested(_Event):
    """A founder (or someone with their address) asked for the status link (DESIGN §2b):
    a fresh link goes to the group's founder address, at most once an hour."""

    detail_type: ClassVar[str] = "StatusLinkRequested"

    group_id: str
    requested_at: str

    @property
    def dedup_key(self) -> str:
        return f"status-link:{self.group_id}:{self.requested_at[:13]}"


DomainEvent = InquiryReceived | GroupStageChanged | GroupReassigned | FollowUpDue | DigestDue | StatusLinkRequested
EVENT_TYPES: dict[str, type[DomainEvent]] = {
    "StatusLinkRequested": StatusLinkRequested,
    "InquiryReceived": InquiryReceived,
    "GroupStageChanged": GroupStageChanged,
    "GroupReassigned": GroupReassigned,
    "FollowUpDue": FollowUpDue,
    "DigestDue": DigestDue,
}


def detail_of(event: DomainEvent) -> dict[str, Any]:
    return dataclasses.asdict(event)


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent | None:
    """The domain event an EventBridge envelope carries, or None for a type we do not know.
    Raises InvalidEvent for a detail that is not the event it says it is."""
    model = EVENT_TYPES.get(detail_type)
    return model.from_detail(detail) if model else None


@dataclass(frozen=True)
class TableChange:
    """One stream record, already deserialized to plain Python values."""

    event_name: str  # INSERT | MODIFY | REMOVE
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def events_for_change(change: TableChange) -> list[DomainEvent]:
    new, old = change.new or {}, change.old or {}
    kind = new.get("kind") or old.get("kind")
    if kind == "inquiry" and change.event_name == "INSERT":
        return [
            InquiryReceived(
                group_id=new["group_id"],
                inquiry_id=new["inquiry_id"],
                state=new["state"],
                organizer_id=new.get("organizer_id"),
                duplicate=bool(new.get("duplicate")),
                intent=new.get("intent"),
            )
        ]
    if kind == "group" and change.event_name == "MODIFY" and old.get("stage") != new.get("stage"):
        chartered = new.get("group_number") is not None
        return [
            GroupStageChanged(
                group_id=new["group_id"],
                from_stage=old["stage"],
                to_stage=new["stage"],
                version=int(new["version"]),
                changed_by=new.get("changed_by"),
                changed_at=new["updated_at"],
                group_number=int(new["group_number"]) if chartered else None,
                case_id=new.get("case_id") if chartered else None,
            )
        ]
    if kind == "group" and change.event_name == "MODIFY" and old.get("organizer_id") != new.get("organizer_id"):
        return [
            GroupReassigned(
                group_id=new["group_id"],
                from_organizer_id=old.get("organizer_id"),
                to_organizer_id=new.get("organizer_id"),
                version=int(new["version"]),
                changed_by=new.get("changed_by"),
                changed_at=new["updated_at"],
            )
        ]
    if kind == "notice" and change.event_name == "INSERT":
        return [
            FollowUpDue(
                group_id=new["group_id"],
                action=new["action"],
                slot=new["slot"],
                due_at=new["due_at"],
                run_at=new.get("run_at"),
            )
        ]
    if kind == "link_request" and change.event_name == "INSERT":
        return [StatusLinkRequested(group_id=new["group_id"], requested_at=new["requested_at"])]
    if kind == "digest" and change.event_name == "INSERT":
        return [DigestDue(organizer_id=new["organizer_id"], week=new["week"], as_of=new["run_at"])]
    return []
