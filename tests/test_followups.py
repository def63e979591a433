"""The follow-up rules of DESIGN §5 at their boundaries: just before, at, and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.follow_up_rules import Action, FollowUpConfig, Snapshot, due_actions, next_due, still_applies
from shared.domain.stages import Stage

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def new_inquiry(**kw) -> Snapshot:
    return Snapshot(stage=Stage.LEARN_MORE, created_at=T0, stage_entered_at=T0, conversation_logged=False, **kw)


def chain_slot(action: Action, since: datetime = T0) -> str:
    """The slot of a first-contact step: the action and the start of the wait it belongs to."""
    return f"{action.value}:{since:%Y-%m-%dT%H:%M:%SZ}"


def actions(s: Snapshot, now: datetime) -> list[Action]:
    return [d.action for d in due_actions(s, now)]


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (days(3) - SECOND, []),
        (days(3), [Action.FIRST_CONTACT_REMINDER]),
        (days(3) + SECOND, [Action.FIRST_CONTACT_REMINDER]),
        (days(7) - SECOND, [Action.FIRST_CONTACT_REMINDER]),
        (days(7), [Action.FIRST_CONTACT_ESCALATION]),
        (days(60) - SECOND, [Action.FIRST_CONTACT_ESCALATION]),
        (days(60), [Action.CLOSE_NO_RESPONSE]),
        (days(400), [Action.CLOSE_NO_RESPONSE]),
    ],
)
def test_first_contact_chain_takes_the_furthest_step_due(age, expected):
    assert actions(new_inquiry(), T0 + age) == expected


def test_a_sent_reminder_is_not_sent_again_and_the_escalation_follows():
    s = new_inquiry(sent=frozenset({chain_slot(Action.FIRST_CONTACT_REMINDER)}))
    assert actions(s, T0 + days(5)) == []
    assert actions(s, T0 + days(7)) == [Action.FIRST_CONTACT_ESCALATION]
    assert next_due(s) == T0 + days(7)


def test_after_the_escalation_only_the_close_remains():
    s = new_inquiry(sent=frozenset({chain_slot(Action.FIRST_CONTACT_ESCALATION)}))
    assert next_due(s) == T0 + days(60)
    assert actions(s, T0 + days(59)) == []


def test_a_logged_conversation_stops_the_first_contact_chain():
    s = Snapshot(Stage.LEARN_MORE, T0, T0, conversation_logged=True)
    assert actions(s, T0 + days(100)) == []
    assert next_due(s) is None


def test_a_new_inquiry_is_next_due_for_the_reminder():
    assert next_due(new_inquiry()) == T0 + days(3)


@pytest.mark.parametrize("stage", [Stage.ORGANIZE_CORE, Stage.STEP_UP_ACTIVISM])
@pytest.mark.parametrize(("quiet", "due"), [(days(45) - SECOND, False), (days(45), True), (days(46), True)])
def test_a_group_quiet_for_45_days_is_nudged(stage, quiet, due):
    last = T0 + days(10)
    s = Snapshot(stage, T0, T0, conversation_logged=True, last_activity_at=last)
    assert (Action.STALLED_NUDGE in actions(s, last + quiet)) is due


def test_the_stall_clock_starts_when_the_stage_was_entered_if_that_is_later():
    entered = T0 + days(30)
    s = Snapshot(Stage.ORGANIZE_CORE, T0, entered, conversation_logged=True, last_activity_at=T0)
    assert next_due(s) == entered + days(45)


def test_a_nudge_is_sent_once_per_quiet_spell_and_again_after_new_activity_goes_quiet():
    last = T0 + days(1)
    s = Snapshot(Stage.ORGANIZE_CORE, T0, T0, conversation_logged=True, last_activity_at=last)
    [nudge] = due_actions(s, last + days(45))
    sent = Snapshot(Stage.ORGANIZE_CORE, T0, T0, True, last, sent=frozenset({nudge.slot}))
    assert due_actions(sent, last + days(80)) == []
    later = Snapshot(Stage.ORGANIZE_CORE, T0, T0, True, last + days(50), sent=frozenset({nudge.slot}))
    assert actions(later, last + days(95)) == [Action.STALLED_NUDGE]


@pytest.mark.parametrize("stage", [Stage.LEARN_MORE, Stage.GET_CHARTERED, Stage.DEVELOP_PLAN, Stage.ACTIVE,
                                   Stage.CLOSED])  # fmt: skip
def test_other_stages_never_stall(stage):
    s = Snapshot(stage, T0, T0, conversation_logged=True, last_activity_at=T0)
    assert Action.STALLED_NUDGE not in actions(s, T0 + days(365))


def test_a_step_up_group_whose_gate_is_met_is_charter_eligible_once():
    s = Snapshot(Stage.STEP_UP_ACTIVISM, T0, T0 + days(20), True, T0 + days(90), gate_met=True)
    assert Action.CHARTER_ELIGIBLE in actions(s, T0 + days(91))
    sent = Snapshot(Stage.STEP_UP_ACTIVISM, T0, T0 + days(20), True, T0 + days(90), gate_met=True,
                    sent=frozenset({"charter_eligible"}))  # fmt: skip
    assert Action.CHARTER_ELIGIBLE not in actions(sent, T0 + days(91))


def test_a_gate_not_met_is_not_charter_eligible():
    s = Snapshot(Stage.STEP_UP_ACTIVISM, T0, T0, True, T0 + days(1), gate_met=False)
    assert Action.CHARTER_ELIGIBLE not in actions(s, T0 + days(2))


def test_thresholds_are_configurable():
    config = FollowUpConfig(first_contact_reminder_days=1, first_contact_escalation_days=2, stale_inquiry_days=5)
    assert [d.action for d in due_actions(new_inquiry(), T0 + days(1), config)] == [Action.FIRST_CONTACT_REMINDER]
    assert next_due(new_inquiry(), config) == T0 + days(1)


def test_a_reminder_no_longer_applies_once_a_conversation_is_logged():
    reminder, escalation = chain_slot(Action.FIRST_CONTACT_REMINDER), chain_slot(Action.FIRST_CONTACT_ESCALATION)
    assert still_applies(new_inquiry(), reminder)
    assert not still_applies(Snapshot(Stage.LEARN_MORE, T0, T0, conversation_logged=True), reminder)
    assert not still_applies(Snapshot(Stage.ORGANIZE_CORE, T0, T0, True), escalation)


def reopened(at: datetime, **kw) -> Snapshot:
    """Back in learn_more at `at` (closed, then reopened), still without a conversation."""
    return Snapshot(stage=Stage.LEARN_MORE, created_at=T0, stage_entered_at=at, conversation_logged=False, **kw)


def test_a_reopened_inquiry_waits_again_from_its_reopening():
    back = T0 + days(62)
    old_chain = frozenset(chain_slot(a) for a in (Action.FIRST_CONTACT_REMINDER, Action.FIRST_CONTACT_ESCALATION))
    s = reopened(back, sent=old_chain)

    assert actions(s, back + days(1)) == []  # not closed again for the old wait
    assert next_due(s) == back + days(3)
    assert actions(s, back + days(3)) == [Action.FIRST_CONTACT_REMINDER]
    assert actions(s, back + days(60)) == [Action.CLOSE_NO_RESPONSE]


def test_a_step_of_an_earlier_wait_no_longer_applies_after_a_reopening():
    assert not still_applies(reopened(T0 + days(30)), chain_slot(Action.FIRST_CONTACT_REMINDER))
    assert still_applies(reopened(T0 + days(30)), chain_slot(Action.FIRST_CONTACT_REMINDER, T0 + days(30)))


def test_a_nudge_no_longer_applies_after_new_activity():
    s = Snapshot(Stage.ORGANIZE_CORE, T0, T0, True, T0 + days(1))
    [nudge] = due_actions(s, T0 + days(60))
    assert still_applies(s, nudge.slot)
    assert not still_applies(Snapshot(Stage.ORGANIZE_CORE, T0, T0, True, T0 + days(59)), nudge.slot)


def test_notices_taken_before_slots_named_their_wait_still_count_for_the_inquirys_wait():
    # Stored before this naming: {"first_contact_reminder"} means the reminder of the wait
    # that began with the inquiry. It is not sent again, and its queued email still applies.
    s = new_inquiry(sent=frozenset({"first_contact_reminder"}))
    assert actions(s, T0 + days(5)) == []
    assert next_due(s) == T0 + days(7)
    assert still_applies(new_inquiry(), "first_contact_reminder")
    assert not still_applies(reopened(T0 + days(30)), "first_contact_reminder")
