"""The stage machine of the program (DESIGN §1): pure functions over plain data.

Stages move forward one step at a time, or to `closed` with a reason; a closed group
reopens to the stage it left. Each forward move passes the exit gate of the stage it
leaves. Who may make a move depends on the caller's role. Gate thresholds live in one
place, `GateConfig`, with the seed's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from shared.errors import Forbidden, GateNotMet, MoveNotAllowed


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
    """The caller's role, from the `cognito:groups` claim."""

    ADMIN = "admins"
    FIELD_ORGANIZER = "field_organizers"
    AREA_COORDINATOR = "area_coordinators"


ALL_ACTORS = frozenset(Actor)
STAFF = frozenset({Actor.ADMIN, Actor.FIELD_ORGANIZER})

# Who may move a group out of each stage (forward). Closing and reopening: everyone.
MOVERS: dict[Stage, frozenset[Actor]] = {
    Stage.LEARN_MORE: ALL_ACTORS,
    Stage.ORGANIZE_CORE: ALL_ACTORS,
    Stage.STEP_UP_ACTIVISM: ALL_ACTORS,
    Stage.GET_CHARTERED: STAFF,
    Stage.DEVELOP_PLAN: STAFF,
}


class ActivityKind(StrEnum):
    CONVERSATION = "conversation"
    MEETING = "meeting"
    LETTER_WRITING = "letter_writing"
    EVENT = "event"
    RECRUITMENT = "recruitment"


@dataclass(frozen=True)
class GateConfig:
    """Exit-gate thresholds (DESIGN §1 defaults, from the seed's words)."""

    min_core_members: int = 3  # "about 3-5 people"
    min_meetings: int = 3  # "a few months of meetings"
    min_meeting_span_days: int = 60
    min_letter_writing: int = 1
    min_events: int = 1  # "organizing a first event"
    min_members: int = 5


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
class Gate:
    """The next stage and what still stands in the way of moving there."""

    to: Stage | None
    unmet: tuple[str, ...] = field(default=())

    @property
    def met(self) -> bool:
        return self.to is not None and not self.unmet


def next_stage(stage: Stage) -> Stage | None:
    if stage in (Stage.ACTIVE, Stage.CLOSED):
        return None
    return FORWARD[FORWARD.index(stage) + 1]


def _count(facts: GroupFacts, kind: ActivityKind) -> int:
    return sum(1 for k, _ in facts.activities if k is kind)


def unmet_for_exit(facts: GroupFacts, config: GateConfig = DEFAULT_GATES, *, case_id: str | None = None) -> list[str]:
    """What the exit gate of the group's stage still asks for. `case_id` is the one given
    with a charter request (the case is assigned by the move itself)."""
    unmet: list[str] = []
    stage = facts.stage
    if stage is Stage.LEARN_MORE:
        if _count(facts, ActivityKind.CONVERSATION) < 1:
            unmet.append("conversation: log the informal Learn More conversation")
    elif stage is Stage.ORGANIZE_CORE:
        if facts.core_members < config.min_core_members:
            unmet.append(f"core_members: need {config.min_core_members}, have {facts.core_members}")
    elif stage is Stage.STEP_UP_ACTIVISM:
        meetings = sorted(d for k, d in facts.activities if k is ActivityKind.MEETING)
        if len(meetings) < config.min_meetings:
            unmet.append(f"meetings: need {config.min_meetings}, have {len(meetings)}")
        span = (meetings[-1] - meetings[0]).days if meetings else 0
        if span < config.min_meeting_span_days:
            unmet.append(f"meeting_span_days: need {config.min_meeting_span_days}, have {span}")
        letters = _count(facts, ActivityKind.LETTER_WRITING)
        if letters < config.min_letter_writing:
            unmet.append(f"letter_writing: need {config.min_letter_writing}, have {letters}")
        events = _count(facts, ActivityKind.EVENT)
        if events < config.min_events:
            unmet.append(f"events: need {config.min_events}, have {events}")
        if facts.members < config.min_members:
            unmet.append(f"members: need {config.min_members}, have {facts.members}")
    elif stage is Stage.GET_CHARTERED:
        if not (case_id or facts.case_id):
            unmet.append("case_id: assign an individual case to charter the group")
    elif stage is Stage.DEVELOP_PLAN and not facts.plan_recorded:
        unmet.append("plan: record the group's plan (case campaign, national campaigns, growth goal, partners)")
    return unmet


def next_gate(facts: GroupFacts, config: GateConfig = DEFAULT_GATES) -> Gate:
    to = next_stage(facts.stage)
    if to is None:
        return Gate(None)
    return Gate(to, tuple(unmet_for_exit(facts, config)))


@dataclass(frozen=True)
class Move:
    """An allowed move, as the caller asked for it."""

    from_stage: Stage
    to_stage: Stage
    charter: bool = False  # get_chartered → develop_plan: allocates the group number
    reopen: bool = False
    close: bool = False


def check_move(
    facts: GroupFacts,
    to: Stage,
    actor: Actor,
    *,
    case_id: str | None = None,
    reason: str | None = None,
    config: GateConfig = DEFAULT_GATES,
) -> Move:
    """The move from the group's stage to `to`, or the error that says why not."""
    stage = facts.stage
    if to is Stage.CLOSED:
        if stage is Stage.CLOSED:
            raise MoveNotAllowed("The group is already closed.")
        if not (reason and reason.strip()):
            raise GateNotMet("Closing a group needs a reason.", ["reason: say why the group is closed"])
        return Move(stage, to, close=True)
    if stage is Stage.CLOSED:
        if facts.closed_from is None or to is not facts.closed_from:
            left = facts.closed_from.value if facts.closed_from else "unknown"
            raise MoveNotAllowed(f"A closed group reopens to the stage it left ({left}).")
        return Move(stage, to, reopen=True)
    expected = next_stage(stage)
    if to is not expected:
        hint = f" The next stage is {expected.value}." if expected else ""
        raise MoveNotAllowed(f"A group moves forward one stage at a time, from {stage.value}.{hint}")
    if actor not in MOVERS[stage]:
        raise Forbidden(f"Only field organizers and admins can move a group out of {stage.value}.")
    unmet = unmet_for_exit(facts, config, case_id=case_id)
    if unmet:
        raise GateNotMet(f"The {stage.value} gate is not met.", unmet)
    return Move(stage, to, charter=stage is Stage.GET_CHARTERED)
