"""Domain events (DESIGN §3) and how committed table changes become them.

The DynamoDB stream is the outbox: an event exists only because its state was committed.
`events_for_change` is pure; shared/outbox/publisher.py sends what it returns to EventBridge.
Events carry ids, never personal data: consumers read what they need from the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SOURCE = "start-a-group"


class InquiryReceived(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    detail_type: Literal["InquiryReceived"] = "InquiryReceived"

    group_id: str
    inquiry_id: str
    state: str
    organizer_id: str | None
    duplicate: bool
    intent: str | None = None  # "join": a request to join this chartered group

    @property
    def dedup_key(self) -> str:
        return f"inquiry:{self.inquiry_id}"


class GroupStageChanged(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    detail_type: Literal["GroupStageChanged"] = "GroupStageChanged"

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


class FollowUpDue(BaseModel):
    """A follow-up a scheduled run took (DESIGN §5): reminder, escalation, nudge, notice."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    detail_type: Literal["FollowUpDue"] = "FollowUpDue"

    group_id: str
    action: str
    slot: str
    due_at: str
    run_at: str | None = None  # the run that took it (its "now"); None in older events

    @property
    def dedup_key(self) -> str:
        return f"followup:{self.group_id}:{self.slot}"


class DigestDue(BaseModel):
    """An organizer's weekly digest, taken once per ISO week."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    detail_type: Literal["DigestDue"] = "DigestDue"

    organizer_id: str
    week: str
    as_of: str

    @property
    def dedup_key(self) -> str:
        return f"digest:{self.organizer_id}:{self.week}"


class StatusLinkRequested(BaseModel):
    """A founder (or someone with their address) asked for the status link (DESIGN §2b):
    a fresh link goes to the group's founder address, at most once an hour."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    detail_type: Literal["StatusLinkRequested"] = "StatusLinkRequested"

    group_id: str
    requested_at: str

    @property
    def dedup_key(self) -> str:
        return f"status-link:{self.group_id}:{self.requested_at[:13]}"


DomainEvent = InquiryReceived | GroupStageChanged | FollowUpDue | DigestDue | StatusLinkRequested
EVENT_TYPES: dict[str, type[BaseModel]] = {
    "StatusLinkRequested": StatusLinkRequested,
    "InquiryReceived": InquiryReceived,
    "GroupStageChanged": GroupStageChanged,
    "FollowUpDue": FollowUpDue,
    "DigestDue": DigestDue,
}


def detail_of(event: BaseModel) -> dict[str, Any]:
    return event.model_dump(mode="json", exclude={"detail_type"})


def parse_event(detail_type: str, detail: dict[str, Any]) -> BaseModel | None:
    """The domain event an EventBridge envelope carries, or None for a type we do not know."""
    model = EVENT_TYPES.get(detail_type)
    return model.model_validate(detail) if model else None


@dataclass(frozen=True)
class TableChange:
    """One stream record, already deserialized to plain Python values."""

    event_name: str  # INSERT | MODIFY | REMOVE
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def events_for_change(change: TableChange) -> list[BaseModel]:
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
