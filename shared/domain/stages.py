"""The stage machine of the program (DESIGN §1): pure functions over plain data.

Stages move forward one step at a time, or to `closed` with a reason; a closed group
reopens to the stage it left. Each forward move passes the exit gate of the stage it
leaves. Who may make a move depends on the caller's role. Gate thresholds live in one
place, `GateConfig`, with the seed's defaults (overridable by GATE_OVERRIDES, see
shared/settings.py).

Counting rule: the founder (the person who sent the form) is the group's first core
member and its first member. A group with the founder and two core members added has
3 core members; `members` counts everyone, core included.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from shared.domain.errors import FieldError, Forbidden, GateNotMet, MoveNotAllowed, ValidationFailed


class Stage(StrEnum):
    LEARN_MORE = "learn_more"
    ORGANIZE_CORE = "organize_core"
    STEP_UP_ACTIVISM = "step_up_activism"
    GET_CHARTERED = "get_chartered"
    DEVELOP_PLAN = "develop_plan"
    ACTIVE = "active"
    CLOSED = "closed"


FORWARD: tuple[Stage, ...] = (
    Stage.LEARN_MORE,
    Stage.ORGANIZE_CORE,
    Stage.STEP_UP_ACTIVISM,
    Stage.GET_CHARTERED,
    Stage.DEVELOP_PLAN,
    Stage.ACTIVE,
)


class Actor(StrEnum):
    """The caller's role: an organizer's from the `cognito:groups` claim, or the founder's
    (the holder of a status link, shared/usecases/founder.py), which no claim grants
    (shared/api/auth.py reads only the organizer roles)."""

    ADMIN = "admins"
    FIELD_ORGANIZER = "field_organizers"
    AREA_COORDINATOR = "area_coordinators"
    FOUNDER = "founder"


ORGANIZERS = frozenset({Actor.ADMIN, Actor.FIELD_ORGANIZER, Actor.AREA_COORDINATOR})
ALL_ACTORS = ORGANIZERS  # every organizer role (never the founder)
STAFF = frozenset({Actor.ADMIN, Actor.FIELD_ORGANIZER})

# Who may move a group forward out of each stage (DESIGN §1 "who moves it").
MOVERS: dict[Stage, frozenset[Actor]] = {
    Stage.LEARN_MORE: ALL_ACTORS,
    Stage.ORGANIZE_CORE: ALL_ACTORS,
    Stage.STEP_UP_ACTIVISM: ALL_ACTORS,
    Stage.GET_CHARTERED: STAFF,
    Stage.DEVELOP_PLAN: STAFF,
}
# Closing (from any stage): every organizer role, and the founder (withdrawing; their
# erasure). Reopening (to the stage it left): every organizer role. The founder moves
# nothing forward.
CLOSERS = ORGANIZERS | {Actor.FOUNDER}
REOPENERS = ORGANIZERS


class ActivityKind(StrEnum):
    CONVERSATION = "conversation"
    # Tried to reach the founder, no answer: recorded and shown, but it is not the Learn
    # More conversation (the first-contact reminders keep running).
    CONTACT_ATTEMPT = "contact_attempt"
    MEETING = "meeting"
    LETTER_WRITING = "letter_writing"
    EVENT = "event"
    RECRUITMENT = "recruitment"


class CloseReason(StrEnum):
    """Why a group was closed (DESIGN §1): a code, with an optional free-text note."""

    NOT_A_FIT = "not_a_fit"
    JOINED_EXISTING_GROUP = "joined_existing_group"
    NO_RESPONSE = "no_response"
    WITHDRAWN = "withdrawn"
    DUPLICATE = "duplicate"
    OTHER = "other"


CLOSE_REASONS = tuple(r.value for r in CloseReason)
CLOSE_REASON_TITLES = {
    CloseReason.NOT_A_FIT: "not a fit for the program",
    CloseReason.JOINED_EXISTING_GROUP: "joined an existing group",
    CloseReason.NO_RESPONSE: "no response",
    CloseReason.WITHDRAWN: "withdrawn by the founder",
    CloseReason.DUPLICATE: "a duplicate of another group",
    CloseReason.OTHER: "other (see the note)",
}


def close_reason_title(reason: str | None) -> str | None:
    """A close reason in words; a reason stored before the codes existed, as it was written."""
    return CLOSE_REASON_TITLES.get(reason, reason) if reason else None  # type: ignore[call-overload]


class MemberRole(StrEnum):
    CORE = "core"
    MEMBER = "member"


@dataclass(frozen=True)
class GateConfig:
    """Exit-gate thresholds (DESIGN §1 defaults, from the seed's words)."""

    min_conversations: int = 1  # "an informal conversation"
    min_core_members: int = 3  # "about 3-5 people" (the founder counts)
    min_meetings: int = 3  # "a few months of meetings"
    min_meeting_span_days: int = 60
    min_letter_writing: int = 1  # "letter writing"
    min_events: int = 1  # "organizing a first event"
    min_members: int = 5  # DESIGN's choice; the seed names no number

    def with_overrides(self, overrides: dict[str, int]) -> GateConfig:
        return replace(self, **overrides)


DEFAULT_GATES = GateConfig()


@dataclass(frozen=True)
class GroupFacts:
    """What the gates look at. Counts include the founder, who is the first core member."""

    stage: Stage
    core_members: int = 1
    members: int = 1
    activities: tuple[tuple[ActivityKind, date], ...] = ()
    case_id: str | None = None
    plan_recorded: bool = False
    closed_from: Stage | None = None


@dataclass(frozen=True)
class Requirement:
    """One thing an exit gate asks for, and how far the group is."""

    key: str
    asks: str
    have: int | None = None  # None: a yes/no requirement
    met: bool = False

    def unmet_text(self) -> str:
        return f"{self.key}: {self.asks}" + ("" if self.have is None else f"; have {self.have}")


@dataclass(frozen=True)
class Gate:
    """The next stage and what still stands in the way of moving there."""

    stage: Stage
    to: Stage | None
    unmet: tuple[str, ...] = field(default=())

    @property
    def met(self) -> bool:
        return self.to is not None and not self.unmet

    def as_dict(self) -> dict:
        return {
            "stage": self.stage.value,
            "to": self.to.value if self.to else None,
            "unmet": list(self.unmet),
            "met": self.met,
        }


def next_stage(stage: Stage) -> Stage | None:
    if stage in (Stage.ACTIVE, Stage.CLOSED):
        return None
    return FORWARD[FORWARD.index(stage) + 1]


def _count(facts: GroupFacts, kind: ActivityKind) -> int:
    return sum(1 for k, _ in facts.activities if k is kind)


def _at_least(n: int) -> str:
    return f"at least {n}"


def requirements(
    facts: GroupFacts, config: GateConfig = DEFAULT_GATES, *, case_id: str | None = None
) -> list[Requirement]:
    """Everything the exit gate of the group's stage asks for, met or not. (`case_id`, the
    one given with a charter request, no longer decides anything: the case is optional.)"""
    stage = facts.stage
    if stage is Stage.LEARN_MORE:
        have = _count(facts, ActivityKind.CONVERSATION)
        need = config.min_conversations
        return [
            Requirement(
                "conversation",
                f"{_at_least(need)} conversation logged (the informal Learn More conversation with an organizer)",
                have,
                have >= need,
            )
        ]
    if stage is Stage.ORGANIZE_CORE:
        need = config.min_core_members
        return [
            Requirement(
                "core_members",
                f"{_at_least(need)} core members (the founder counts as the first)",
                facts.core_members,
                facts.core_members >= need,
            )
        ]
    if stage is Stage.STEP_UP_ACTIVISM:
        meetings = sorted(d for k, d in facts.activities if k is ActivityKind.MEETING)
        span = (meetings[-1] - meetings[0]).days if meetings else 0
        letters = _count(facts, ActivityKind.LETTER_WRITING)
        events = _count(facts, ActivityKind.EVENT)
        return [
            Requirement(
                "meetings",
                f"{_at_least(config.min_meetings)} meetings logged",
                len(meetings),
                len(meetings) >= config.min_meetings,
            ),
            Requirement(
                "meeting_span_days",
                f"meetings spanning {_at_least(config.min_meeting_span_days)} days, first to last",
                span,
                span >= config.min_meeting_span_days,
            ),
            Requirement(
                "letter_writing",
                f"{_at_least(config.min_letter_writing)} letter-writing action (letter_writing)",
                letters,
                letters >= config.min_letter_writing,
            ),
            Requirement(
                "events",
                f"{_at_least(config.min_events)} event (the group's first event)",
                events,
                events >= config.min_events,
            ),
            Requirement(
                "members",
                f"{_at_least(config.min_members)} members, core members and the founder included",
                facts.members,
                facts.members >= config.min_members,
            ),
        ]
    if stage is Stage.GET_CHARTERED:
        # The charter is the move itself (a Field Organizer or admin grants it: the group
        # number, the orientation materials). The case is offered, not required (DESIGN §1):
        # it may come with the charter or later, so nothing here can be unmet.
        return [
            Requirement(
                "charter",
                "the charter, granted by a Field Organizer: a local group number and orientation materials;"
                " an individual case is offered with it or later",
                None,
                True,
            )
        ]
    if stage is Stage.DEVELOP_PLAN:
        return [
            Requirement(
                "plan",
                "a plan recorded: case campaign, national campaigns, growth goal, partners",
                None,
                facts.plan_recorded,
            )
        ]
    return []


def unmet_for_exit(facts: GroupFacts, config: GateConfig = DEFAULT_GATES, *, case_id: str | None = None) -> list[str]:
    """What the exit gate of the group's stage still asks for, as `key: what; have n` texts."""
    return [r.unmet_text() for r in requirements(facts, config, case_id=case_id) if not r.met]


def gate_asks(stage: Stage, config: GateConfig = DEFAULT_GATES) -> list[str]:
    """What the exit gate of `stage` asks for, in words (for the stage emails)."""
    return [r.asks for r in requirements(GroupFacts(stage=stage), config)]


def next_gate(facts: GroupFacts, config: GateConfig = DEFAULT_GATES) -> Gate:
    """Where the group goes next and what is still unmet. A closed group's next stage is
    the one it left (reopening has no gate); an active group has none."""
    if facts.stage is Stage.CLOSED:
        return Gate(facts.stage, facts.closed_from)
    to = next_stage(facts.stage)
    if to is None:
        return Gate(facts.stage, None)
    return Gate(facts.stage, to, tuple(unmet_for_exit(facts, config)))


def allowed_targets(facts: GroupFacts) -> list[Stage]:
    """The stages a group may be asked to move to from where it is (before roles and gates)."""
    if facts.stage is Stage.CLOSED:
        return [facts.closed_from] if facts.closed_from else []
    to = next_stage(facts.stage)
    return [*([to] if to else []), Stage.CLOSED]


@dataclass(frozen=True)
class Move:
    """An allowed move, as the caller asked for it."""

    from_stage: Stage
    to_stage: Stage
    charter: bool = False  # get_chartered → develop_plan: allocates the group number
    reopen: bool = False
    close: bool = False

    @property
    def leaves_learn_more(self) -> bool:
        return self.from_stage is Stage.LEARN_MORE

    @property
    def enters_learn_more(self) -> bool:
        return self.to_stage is Stage.LEARN_MORE


def _refuse(facts: GroupFacts, detail: str) -> MoveNotAllowed:
    allowed = [s.value for s in allowed_targets(facts)]
    where = ", ".join(allowed) if allowed else "nowhere"
    return MoveNotAllowed(detail, unmet=[f"to: from {facts.stage.value} a group can move to {where}"], allowed=allowed)


def check_move(
    facts: GroupFacts,
    to: Stage,
    actor: Actor,
    *,
    case_id: str | None = None,
    reason: str | None = None,
    config: GateConfig = DEFAULT_GATES,
) -> Move:
    """The move from the group's stage to `to`, or the error that says why not.

    Checked in this order, so the answer names the first thing to fix: the move's shape
    (409 move-not-allowed), a reason to close (422), the caller's role (403), the gate
    (409 gate-not-met with the unmet list)."""
    stage = facts.stage
    if to is stage:
        raise _refuse(facts, f"The group is already in {stage.value}.")
    if to is Stage.CLOSED:
        if not (reason and reason.strip()):
            raise ValidationFailed([FieldError("reason", "is required to close a group")])
        if reason not in CLOSE_REASONS:
            raise ValidationFailed([FieldError("reason", f"must be one of {', '.join(CLOSE_REASONS)}")])
        if actor not in CLOSERS:  # pragma: no cover - every actor may close today
            raise Forbidden("Your role cannot close a group.")
        return Move(stage, to, close=True)
    if stage is Stage.CLOSED:
        if facts.closed_from is None or to is not facts.closed_from:
            left = facts.closed_from.value if facts.closed_from else "unknown"
            raise _refuse(facts, f"A closed group reopens to the stage it left ({left}).")
        if actor not in REOPENERS:
            raise Forbidden("Only organizers reopen a group.")
        return Move(stage, to, reopen=True)
    expected = next_stage(stage)
    if to is not expected:
        hint = f" The next stage is {expected.value}." if expected else " It has no next stage."
        raise _refuse(facts, f"A group moves forward one stage at a time, from {stage.value}.{hint}")
    if actor not in MOVERS[stage]:
        if actor not in ORGANIZERS:
            raise Forbidden("Only organizers move a group forward.")
        raise Forbidden(f"Only field organizers and admins can move a group out of {stage.value}.")
    unmet = unmet_for_exit(facts, config, case_id=case_id)
    if unmet:
        raise GateNotMet(f"The {stage.value} gate is not met.", unmet)
    return Move(stage, to, charter=stage is Stage.GET_CHARTERED)
