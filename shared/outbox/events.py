"""Domain events (DESIGN §3) and how committed table changes become them.

The DynamoDB stream is the outbox: an event exists only because its state was committed.
`events_for_change` is pure; shared/outbox/publisher.py sends what it returns to EventBridge.
Events carry ids, never personal data: consumers read what they need from the table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
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

    detail_type: ClassVar[str]  # EventBridge's detail-type: the class's name
    # The event's key, formatted from its fields: one event, one set of emails (each sent once).
    dedup_format: ClassVar[str]

    def __init_subclass__(cls, key: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.detail_type, cls.dedup_format = cls.__name__, key

    @property
    def dedup_key(self) -> str:
        return self.dedup_format.format_map(vars(self))

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
class InquiryReceived(_Event, key="inquiry:{inquiry_id}"):
    group_id: str
    inquiry_id: str
    state: str
    organizer_id: str | None
    duplicate: bool
    intent: str | None = None  # "join": a request to join this chartered group


@dataclass(frozen=True)
class _GroupWrite(_Event):
    """A committed write to a group item, named by the version it made."""

    group_id: str
    version: int
    changed_by: str | None
    changed_at: str


@dataclass(frozen=True)
class GroupStageChanged(_GroupWrite, key="stage:{group_id}:{version}"):
    from_stage: str
    to_stage: str
    group_number: int | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class GroupReassigned(_GroupWrite, key="reassign:{group_id}:{version}"):
    """A group handed to another organizer (PUT /groups/{id}/organizer): the group item's
    organizer changed. Both organizers are emailed."""

    from_organizer_id: str | None
    to_organizer_id: str | None


@dataclass(frozen=True)
class FollowUpDue(_Event, key="followup:{group_id}:{slot}"):
    """A follow-up a scheduled run took (DESIGN §5): reminder, escalation, nudge, notice."""

    group_id: str
    action: str
    slot: str
    due_at: str
    run_at: str | None = None  # the run that took it (its "now"); None in older events


@dataclass(frozen=True)
class DigestDue(_Event, key="digest:{organizer_id}:{week}"):
    """An organizer's weekly digest, taken once per ISO week."""

    organizer_id: str
    week: str
    as_of: str


@dataclass(frozen=True)
class StatusLinkRequested(_Event, key="status-link:{group_id}:{requested_at:.13}"):  # by the hour
    """A founder (or someone with their address) asked for the status link (DESIGN §2b):
    a fresh link goes to the group's founder address, at most once an hour."""

    group_id: str
    requested_at: str


DomainEvent = InquiryReceived | GroupStageChanged | GroupReassigned | FollowUpDue | DigestDue | StatusLinkRequested
EVENT_TYPES: dict[str, type[DomainEvent]] = {
    event.detail_type: event
    for event in (InquiryReceived, GroupStageChanged, GroupReassigned, FollowUpDue, DigestDue, StatusLinkRequested)
}


def detail_of(event: DomainEvent) -> dict[str, Any]:
    return dataclasses.asdict(event)


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent | None:
    """The domain event an EventBridge envelope carries, or None for a type we do not know.
    Raises InvalidEvent for a detail that is not the event it says it is."""
    model = EVENT_TYPES.get(detail_type)
    return model.from_detail(detail) if model else None


Image = dict[str, Any]  # an item as a stream record shows it, deserialized to plain Python values


@dataclass(frozen=True)
class TableChange:
    """One stream record, already deserialized to plain Python values."""

    event_name: str  # INSERT | MODIFY | REMOVE
    old: Image | None
    new: Image | None


def _write_of(new: Image) -> tuple[str, int, str | None, str]:
    """The fields of a _GroupWrite, in order, from the item the write left."""
    return new["group_id"], int(new["version"]), new.get("changed_by"), new["updated_at"]


def _stage_changed(new: Image, old: Image) -> GroupStageChanged:
    chartered = new.get("group_number") is not None
    return GroupStageChanged(
        *_write_of(new),
        from_stage=old["stage"],
        to_stage=new["stage"],
        group_number=int(new["group_number"]) if chartered else None,
        case_id=new.get("case_id") if chartered else None,
    )


def _reassigned(new: Image, old: Image) -> GroupReassigned:
    return GroupReassigned(
        *_write_of(new), from_organizer_id=old.get("organizer_id"), to_organizer_id=new.get("organizer_id")
    )


# A modified group item: the first of these fields that changed names its event (a write
# that moves a stage and hands the group on is a stage change).
ON_GROUP_CHANGE: tuple[tuple[str, Callable[[Image, Image], DomainEvent]], ...] = (
    ("stage", _stage_changed),
    ("organizer_id", _reassigned),
)

# An inserted item of these kinds is its event.
ON_INSERT: dict[str, Callable[[Image], DomainEvent]] = {
    "inquiry": lambda new: InquiryReceived(
        group_id=new["group_id"],
        inquiry_id=new["inquiry_id"],
        state=new["state"],
        organizer_id=new.get("organizer_id"),
        duplicate=bool(new.get("duplicate")),
        intent=new.get("intent"),
    ),
    "notice": lambda new: FollowUpDue(
        group_id=new["group_id"], action=new["action"], slot=new["slot"], due_at=new["due_at"], run_at=new.get("run_at")
    ),
    "link_request": lambda new: StatusLinkRequested(group_id=new["group_id"], requested_at=new["requested_at"]),
    "digest": lambda new: DigestDue(organizer_id=new["organizer_id"], week=new["week"], as_of=new["run_at"]),
}


def events_for_change(change: TableChange) -> list[DomainEvent]:
    new, old = change.new or {}, change.old or {}
    kind = new.get("kind") or old.get("kind")
    if change.event_name == "INSERT" and kind in ON_INSERT:
        return [ON_INSERT[kind](new)]
    if change.event_name == "MODIFY" and kind == "group":
        for name, event in ON_GROUP_CHANGE:
            if old.get(name) != new.get(name):
                return [event(new, old)]
    return []
