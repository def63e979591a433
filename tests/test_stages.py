"""The stage machine (DESIGN §1), exhaustively: every stage × target × role × gate state
(every combination of each exit gate's requirements met or not), then every gate at its
boundary. The expectations are written from DESIGN's table here, not read from
shared/domain/stages.py, so a change to the machine has to change this file too."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from shared.domain.errors import Forbidden, GateNotMet, MoveNotAllowed, ValidationFailed
from shared.domain.stages import (
    ActivityKind,
    Actor,
    GateConfig,
    GroupFacts,
    Stage,
    check_move,
    gate_asks,
    next_gate,
    unmet_for_exit,
)

# DESIGN §1, as a table.
NEXT = {
    "learn_more": "organize_core",
    "organize_core": "step_up_activism",
    "step_up_activism": "get_chartered",
    "get_chartered": "develop_plan",
    "develop_plan": "active",
    "active": None,
}
STAFF_ONLY = {"get_chartered", "develop_plan"}  # field organizer or admin moves these on
COORDINATOR = "area_coordinators"
FOUNDER = "founder"

DAY0 = date(2026, 1, 5)
A = ActivityKind


def meetings(*offsets: int) -> tuple[tuple[ActivityKind, date], ...]:
    return tuple((A.MEETING, DAY0 + timedelta(days=d)) for d in offsets)


EVERYTHING_DONE = {
    "core_members": 3,
    "members": 5,
    "activities": ((A.CONVERSATION, DAY0), *meetings(0, 30, 60), (A.LETTER_WRITING, DAY0), (A.EVENT, DAY0)),
    "case_id": "CASE-1",
    "plan_recorded": True,
}


def facts(stage: str, gate_met: bool, closed_from: str | None = None) -> GroupFacts:
    extra = EVERYTHING_DONE if gate_met else {}
    return GroupFacts(stage=Stage(stage), closed_from=Stage(closed_from) if closed_from else None, **extra)


# --- every gate state: each requirement of the exit gate met or not, in every combination ---

# DESIGN §1's exit gates, by the key each unmet requirement is named by (`<key>: ...`).
GATE_KEYS = {
    "learn_more": ("conversation",),
    "organize_core": ("core_members",),
    "step_up_activism": ("meetings", "meeting_span_days", "letter_writing", "events", "members"),
    "get_chartered": (),  # the charter itself: the case is offered, not required
    "develop_plan": ("plan",),
    "active": (),
}
CASE = "AMR 51/001/2026"
NO_CASES = (None, "", "   ")  # a charter request without a usable case
# Meeting days (from DAY0) for (count met, span met): 3 meetings over 60 days, or just short.
MEETING_DAYS = {(True, True): (0, 30, 60), (True, False): (0, 30, 59), (False, True): (0, 60), (False, False): (0, 59)}


@dataclass(frozen=True)
class GateState:
    """A group whose `gated` stage's exit gate has exactly `unmet` unmet. `case` is the one
    given with the request: a group gets its case only by being chartered."""

    gated: str
    unmet: frozenset[str]
    case: str | None = None

    def facts(self, stage: str, closed_from: str | None) -> GroupFacts:
        """Every earlier gate met on the way here, this one as the state says, nothing later."""
        met = {key: key not in self.unmet for key in GATE_KEYS[self.gated]}
        past = list(NEXT)[: list(NEXT).index(self.gated)]
        activities: list[tuple[ActivityKind, date]] = []
        core_members = members = 1
        if "learn_more" in past or met.get("conversation"):
            activities.append((A.CONVERSATION, DAY0))
        if "organize_core" in past:
            core_members = members = 3
        if self.gated == "organize_core":
            core_members = members = 3 if met["core_members"] else 2
        if "step_up_activism" in past:
            activities += [*meetings(0, 30, 60), (A.LETTER_WRITING, DAY0), (A.EVENT, DAY0)]
            members = 5
        if self.gated == "step_up_activism":
            activities += meetings(*MEETING_DAYS[met["meetings"], met["meeting_span_days"]])
            activities += [(A.LETTER_WRITING, DAY0 + timedelta(days=10))] if met["letter_writing"] else []
            activities += [(A.EVENT, DAY0 + timedelta(days=20))] if met["events"] else []
            members = 5 if met["members"] else 4
        return GroupFacts(
            stage=Stage(stage),
            core_members=core_members,
            members=members,
            activities=tuple(activities),
            case_id=CASE if "get_chartered" in past else None,
            plan_recorded="develop_plan" in past or met.get("plan", False),
            closed_from=Stage(closed_from) if closed_from else None,
        )

    @property
    def request_cases(self) -> tuple[str | None, ...]:
        """The cases given with the request: this state's for a charter; for any other gate
        both none and one, since a case given with another move must change nothing."""
        return (self.case,) if self.gated == "get_chartered" else (None, CASE)

    @property
    def label(self) -> str:
        text = "met" if not self.unmet else "unmet=" + "+".join(sorted(self.unmet))
        return text + (f"-case={self.case!r}" if self.gated == "get_chartered" else "")


def gate_states(gated: str) -> list[GateState]:
    keys = GATE_KEYS[gated]
    states = []
    for met in itertools.product([True, False], repeat=len(keys)):
        unmet = frozenset(key for key, ok in zip(keys, met, strict=True) if not ok)
        cases = (CASE, *NO_CASES) if gated == "get_chartered" else (None,)
        states += [GateState(gated, unmet, case) for case in cases]
    return states


def expected_outcome(stage: str, closed_from: str | None, to: str, actor: str, unmet: frozenset[str]) -> str:
    if to == stage:
        return "refused"
    if to == "closed":
        return "close"
    if stage == "closed":
        if to != closed_from:
            return "refused"
        return "forbidden" if actor == FOUNDER else "reopen"  # the founder only closes (withdraws)
    if to != NEXT[stage]:
        return "refused"
    if actor == FOUNDER:
        return "forbidden"  # never staff, nor any organizer: moves nothing forward
    if actor == COORDINATOR and stage in STAFF_ONLY:
        return "forbidden"
    if unmet:
        return "gate"
    return "charter" if stage == "get_chartered" else "forward"


def unmet_key(text: str) -> str:
    key, colon, _ = text.partition(":")
    assert colon, f"an unmet text starts with its requirement's key: {text!r}"
    return key


POSITIONS = [(s, None) for s in NEXT] + [("closed", s) for s in NEXT]
CASES = [
    (position, to.value, actor.value, state)
    for position in POSITIONS
    for state in gate_states(position[1] or position[0])
    for to in Stage
    for actor in Actor
]


@pytest.mark.parametrize(
    ("position", "to", "actor", "state"),
    CASES,
    ids=[f"{p[0]}{'<' + p[1] if p[1] else ''}->{t}-{a}-{s.label}" for p, t, a, s in CASES],
)
def test_every_move_by_every_role_in_every_gate_state(position, to, actor, state):
    stage, closed_from = position
    given = state.facts(stage, closed_from)
    outcome = expected_outcome(stage, closed_from, to, actor, state.unmet)

    for case_id in state.request_cases:

        def when(case_id=case_id):
            return check_move(given, Stage(to), Actor(actor), reason="other", case_id=case_id)

        if outcome == "refused":
            with pytest.raises(MoveNotAllowed) as refused:
                when()
            assert refused.value.unmet, "a refused move says why in `unmet` too"
        elif outcome == "forbidden":
            with pytest.raises(Forbidden):
                when()
        elif outcome == "gate":
            with pytest.raises(GateNotMet) as gate:
                when()
            assert sorted(unmet_key(u) for u in gate.value.unmet) == sorted(state.unmet)
        else:
            move = when()
            assert (move.from_stage.value, move.to_stage.value) == (stage, to)
            assert move.close is (outcome == "close")
            assert move.reopen is (outcome == "reopen")
            assert move.charter is (outcome == "charter")


def test_the_matrix_reaches_every_outcome_and_every_combination_of_each_gate():
    outcomes = {expected_outcome(p[0], p[1], t, a, s.unmet) for p, t, a, s in CASES}
    assert outcomes == {"refused", "forbidden", "gate", "forward", "charter", "close", "reopen"}
    for gated, keys in GATE_KEYS.items():
        every_subset = {frozenset(c) for n in range(len(keys) + 1) for c in itertools.combinations(keys, n)}
        assert {s.unmet for p, _, _, s in CASES if (p[1] or p[0]) == gated} == every_subset
    # A charter is tried without a case in every way it can be missing, and with one: all pass.
    assert {s.case for s in gate_states("get_chartered")} == {CASE, *NO_CASES}


# --- closing needs a reason ---------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_closing_without_a_reason_is_a_validation_error_on_reason(reason):
    with pytest.raises(ValidationFailed) as refused:
        check_move(facts("organize_core", True), Stage.CLOSED, Actor.ADMIN, reason=reason)

    assert [e.field for e in refused.value.errors] == ["reason"]


def test_a_closed_group_cannot_be_closed_again():
    with pytest.raises(MoveNotAllowed):
        check_move(facts("closed", True, "organize_core"), Stage.CLOSED, Actor.ADMIN, reason="other")


def test_a_refused_move_names_the_allowed_targets():
    with pytest.raises(MoveNotAllowed) as refused:
        check_move(facts("organize_core", True), Stage.GET_CHARTERED, Actor.ADMIN)

    assert refused.value.allowed == ["step_up_activism", "closed"]


# --- every gate at its boundary -----------------------------------------------------


def stage_facts(stage: str, **changes) -> GroupFacts:
    return GroupFacts(stage=Stage(stage), **{**EVERYTHING_DONE, **changes})


BOUNDARIES = [
    # (stage, the fact changed, value just short, value just enough, unmet key)
    ("learn_more", "activities", (), ((A.CONVERSATION, DAY0),), "conversation"),
    ("organize_core", "core_members", 2, 3, "core_members"),
    ("step_up_activism", "activities", meetings(0, 60), meetings(0, 30, 60), "meetings"),
    ("step_up_activism", "activities", meetings(0, 30, 59), meetings(0, 30, 60), "meeting_span_days"),
    ("step_up_activism", "members", 4, 5, "members"),
    ("develop_plan", "plan_recorded", False, True, "plan"),
]


def with_others_done(stage: str, key: str, value):
    """The stage's facts with every other requirement met, and `key` set to `value`."""
    if stage == "step_up_activism" and key == "activities":
        value = (*value, (A.LETTER_WRITING, DAY0), (A.EVENT, DAY0))
    return stage_facts(stage, **{key: value})


@pytest.mark.parametrize(("stage", "key", "short", "enough", "unmet_key"), BOUNDARIES)
def test_a_gate_is_unmet_just_below_its_threshold(stage, key, short, enough, unmet_key):
    unmet = unmet_for_exit(with_others_done(stage, key, short))

    assert [u.split(":")[0] for u in unmet] == [unmet_key]


@pytest.mark.parametrize(("stage", "key", "short", "enough", "unmet_key"), BOUNDARIES)
def test_a_gate_is_met_at_its_threshold(stage, key, short, enough, unmet_key):
    assert unmet_for_exit(with_others_done(stage, key, enough)) == []


@pytest.mark.parametrize(
    ("kind", "unmet_key"), [(A.LETTER_WRITING, "letter_writing"), (A.EVENT, "events")], ids=["letters", "events"]
)
def test_step_up_activism_needs_each_kind_of_action(kind, unmet_key):
    activities = tuple(a for a in EVERYTHING_DONE["activities"] if a[0] is not kind)

    unmet = unmet_for_exit(stage_facts("step_up_activism", activities=activities))

    assert [u.split(":")[0] for u in unmet] == [unmet_key]


def test_recruitment_or_meetings_do_not_count_as_the_learn_more_conversation():
    given = stage_facts("learn_more", activities=((A.RECRUITMENT, DAY0), *meetings(0, 1)))

    assert [u.split(":")[0] for u in unmet_for_exit(given)] == ["conversation"]


def test_the_founder_alone_is_one_core_member_of_three():
    unmet = unmet_for_exit(GroupFacts(stage=Stage.ORGANIZE_CORE))

    assert unmet == ["core_members: at least 3 core members (the founder counts as the first); have 1"]


def test_a_new_step_up_group_lists_everything_its_gate_asks():
    unmet = unmet_for_exit(GroupFacts(stage=Stage.STEP_UP_ACTIVISM))

    assert [u.split(":")[0] for u in unmet] == ["meetings", "meeting_span_days", "letter_writing", "events", "members"]


@pytest.mark.parametrize("case_id", [None, "", "AMR 51/001/2026"])
def test_a_charter_is_granted_with_or_without_a_case(case_id):
    move = check_move(GroupFacts(stage=Stage.GET_CHARTERED), Stage.DEVELOP_PLAN, Actor.FIELD_ORGANIZER, case_id=case_id)

    assert move.charter
    assert next_gate(GroupFacts(stage=Stage.GET_CHARTERED)).met


def test_a_contact_attempt_is_not_the_learn_more_conversation():
    given = stage_facts("learn_more", activities=((A.CONTACT_ATTEMPT, DAY0), (A.CONTACT_ATTEMPT, DAY0)))

    assert [u.split(":")[0] for u in unmet_for_exit(given)] == ["conversation"]


@pytest.mark.parametrize(
    "reason", ["not_a_fit", "joined_existing_group", "no_response", "withdrawn", "duplicate", "other"]
)
def test_a_group_closes_with_each_reason_code(reason):
    move = check_move(facts("step_up_activism", False), Stage.CLOSED, Actor.AREA_COORDINATOR, reason=reason)

    assert (move.close, move.from_stage) == (True, Stage.STEP_UP_ACTIVISM)


@pytest.mark.parametrize("reason", ["moved away", "Not_A_Fit", "no response"])
def test_a_close_reason_that_is_not_a_code_is_a_validation_error_on_reason(reason):
    with pytest.raises(ValidationFailed) as refused:
        check_move(facts("organize_core", True), Stage.CLOSED, Actor.ADMIN, reason=reason)

    assert [e.field for e in refused.value.errors] == ["reason"]


def test_gate_thresholds_are_configurable_in_one_place():
    stricter = GateConfig().with_overrides({"min_core_members": 4, "min_meeting_span_days": 90})

    assert unmet_for_exit(stage_facts("organize_core", core_members=3), stricter) != []
    assert unmet_for_exit(stage_facts("organize_core", core_members=4), stricter) == []
    assert unmet_for_exit(stage_facts("step_up_activism", activities=EVERYTHING_DONE["activities"]), stricter)


# --- next_gate ------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [s for s in NEXT if NEXT[s] and GATE_KEYS[s]])
def test_next_gate_names_the_next_stage_and_what_is_unmet(stage):
    blank = next_gate(GroupFacts(stage=Stage(stage)))
    done = next_gate(stage_facts(stage))

    assert blank.to == Stage(NEXT[stage])
    assert blank.unmet
    assert not blank.met
    assert done.unmet == ()
    assert done.met


def test_an_active_group_has_no_next_gate():
    gate = next_gate(stage_facts("active"))

    assert gate.to is None
    assert gate.as_dict() == {"stage": "active", "to": None, "unmet": [], "met": False}


def test_a_closed_group_next_gate_is_reopening_to_the_stage_it_left():
    gate = next_gate(GroupFacts(stage=Stage.CLOSED, closed_from=Stage.STEP_UP_ACTIVISM))

    assert gate.as_dict() == {"stage": "closed", "to": "step_up_activism", "unmet": [], "met": True}


@pytest.mark.parametrize("stage", [s for s in NEXT if NEXT[s]])
def test_what_a_gate_asks_is_said_in_words_for_every_stage_with_a_next(stage):
    asks = gate_asks(Stage(stage))

    assert asks
    assert all(len(a) > 10 for a in asks)


def test_the_founder_role_is_granted_by_no_claim_and_is_no_staff():
    from shared.api.auth import ROLE_ORDER, strongest_role
    from shared.domain.stages import MOVERS, STAFF

    assert strongest_role(["founder"]) is None
    assert Actor.FOUNDER not in ROLE_ORDER
    assert Actor.FOUNDER not in STAFF
    assert all(Actor.FOUNDER not in movers for movers in MOVERS.values())
