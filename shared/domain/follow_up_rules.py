"""What is late (DESIGN §5): pure rules over a group's snapshot and "now".

`due_actions` says what a scheduled run must do for a group now; `next_due` says when the
group will next have something due (the key of the sparse Due index). Each action has a
slot: the same slot is acted on at most once (a conditional marker), so replaying a run
sends nothing twice. Thresholds live in `FollowUpConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.domain.clock import iso
from shared.domain.stages import Stage


class Action(StrEnum):
    FIRST_CONTACT_REMINDER = "first_contact_reminder"
    FIRST_CONTACT_ESCALATION = "first_contact_escalation"
    CLOSE_NO_RESPONSE = "close_no_response"
    STALLED_NUDGE = "stalled_nudge"
    CHARTER_ELIGIBLE = "charter_eligible"
    ERASE_PERSONAL_DATA = "erase_personal_data"  # retention: closed long enough (no email)


@dataclass(frozen=True)
class FollowUpConfig:
    first_contact_reminder_days: int = 3
    first_contact_escalation_days: int = 7
    stale_inquiry_days: int = 60
    stalled_days: int = 45
    retention_days: int = 365  # a closed group's personal data is erased this long after it closed


DEFAULT_FOLLOW_UPS = FollowUpConfig()
NO_RESPONSE = "no_response"  # the reason a stale inquiry is closed with
SYSTEM = "system:follow-ups"  # changed_by of what a scheduled run does
STALLABLE = frozenset({Stage.ORGANIZE_CORE, Stage.STEP_UP_ACTIVISM})


@dataclass(frozen=True)
class Snapshot:
    """What the rules look at. `sent` holds the slots already acted on."""

    stage: Stage
    created_at: datetime
    stage_entered_at: datetime
    conversation_logged: bool
    last_activity_at: datetime | None = None
    gate_met: bool = False
    sent: frozenset[str] = frozenset()
    erased: bool = False  # the founder's personal data is already erased


@dataclass(frozen=True)
class Due:
    action: Action
    slot: str
    at: datetime


CHAIN = (Action.FIRST_CONTACT_REMINDER, Action.FIRST_CONTACT_ESCALATION, Action.CLOSE_NO_RESPONSE)
_BARE_CHAIN_SLOTS = frozenset(a.value for a in CHAIN)


def _slot_of(slot: str, s: Snapshot) -> str:
    """A slot as it is named now. Notices taken before slots named their wait carry the bare
    action ("first_contact_reminder"): they belong to the wait that began with the inquiry."""
    return f"{slot}:{iso(s.created_at)}" if slot in _BARE_CHAIN_SLOTS else slot


def _sent(s: Snapshot) -> frozenset[str]:
    return frozenset(_slot_of(slot, s) for slot in s.sent)


def waiting_since(s: Snapshot) -> datetime | None:
    """Since when a group in learn_more has waited for its first conversation: since it
    entered learn_more (its inquiry; or its reopening, which starts the wait again)."""
    if s.stage is Stage.LEARN_MORE and not s.conversation_logged:
        return s.stage_entered_at
    return None


def quiet_since(s: Snapshot) -> datetime | None:
    """Since when a group that can stall has logged nothing (or since it entered its stage)."""
    if s.stage in STALLABLE:
        return max(s.stage_entered_at, s.last_activity_at or s.stage_entered_at)
    return None


def _candidates(s: Snapshot, config: FollowUpConfig) -> list[Due]:
    """Every action the group will owe, with when it falls due (sent or not). A slot names
    the spell it belongs to, so a new spell (a reopening, new activity) owes it anew."""
    out: list[Due] = []
    waiting = waiting_since(s)
    if waiting is not None:
        for action, days in zip(
            CHAIN,
            (config.first_contact_reminder_days, config.first_contact_escalation_days, config.stale_inquiry_days),
            strict=True,
        ):
            out.append(Due(action, f"{action.value}:{iso(waiting)}", waiting + timedelta(days=days)))
    quiet = quiet_since(s)
    if quiet is not None:
        slot = f"{Action.STALLED_NUDGE.value}:{s.stage.value}:{iso(quiet)}"
        out.append(Due(Action.STALLED_NUDGE, slot, quiet + timedelta(days=config.stalled_days)))
    if s.stage is Stage.STEP_UP_ACTIVISM and s.gate_met:
        out.append(Due(Action.CHARTER_ELIGIBLE, Action.CHARTER_ELIGIBLE.value, s.stage_entered_at))
    if s.stage is Stage.CLOSED and not s.erased:
        slot = f"{Action.ERASE_PERSONAL_DATA.value}:{iso(s.stage_entered_at)}"
        out.append(Due(Action.ERASE_PERSONAL_DATA, slot, s.stage_entered_at + timedelta(days=config.retention_days)))
    return out


def _pending(s: Snapshot, config: FollowUpConfig) -> list[Due]:
    candidates, sent = _candidates(s, config), _sent(s)
    pending = [d for d in candidates if d.slot not in sent]
    # The first-contact chain moves on: once a later step is taken, earlier ones are moot.
    taken = [CHAIN.index(d.action) for d in candidates if d.action in CHAIN and d.slot in sent]
    if taken:
        pending = [d for d in pending if d.action not in CHAIN or CHAIN.index(d.action) > max(taken)]
    return pending


def due_actions(s: Snapshot, now: datetime, config: FollowUpConfig = DEFAULT_FOLLOW_UPS) -> list[Due]:
    """What a run at `now` must do. Of the first-contact chain only the furthest step that
    is due is taken: a group found late is escalated (or closed), not reminded first."""
    due = [d for d in _pending(s, config) if d.at <= now]
    chain = [d for d in due if d.action in CHAIN]
    others = [d for d in due if d not in chain]
    return ([max(chain, key=lambda d: d.at)] if chain else []) + others


def still_applies(s: Snapshot, slot: str, config: FollowUpConfig = DEFAULT_FOLLOW_UPS) -> bool:
    """Whether a follow-up taken for `slot` still fits the group as it is now (it may have
    moved on between the run and the email): the slot is still one the group owes."""
    return any(d.slot == _slot_of(slot, s) for d in _candidates(s, config))


def next_due(s: Snapshot, config: FollowUpConfig = DEFAULT_FOLLOW_UPS) -> datetime | None:
    """When the group next owes something, or None when it owes nothing."""
    return min((d.at for d in _pending(s, config)), default=None)
