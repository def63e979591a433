"""What waits on an organizer for a group (shared/domain/progress.py), from the summary kept
on the group item: pure, given a "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.domain.follow_up_rules import FollowUpConfig
from shared.domain.progress import Summary, progress_of, waits
from shared.domain.stages import DEFAULT_GATES, ActivityKind, GroupFacts, Stage

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
CONFIG = FollowUpConfig()


def summary(stage: Stage = Stage.LEARN_MORE, **changes) -> Summary:
    base = {
        "stage": stage,
        "created_at": T0,
        "stage_entered_at": T0,
        "first_contact_on": None,
        "gate_met": False,
        "last_activity_at": None,
    }
    return Summary(**{**base, **changes})


@pytest.mark.parametrize(
    ("days", "first_contact", "overdue", "escalated", "priority"),
    [
        (0, "due", False, False, 4),
        (2, "due", False, False, 4),
        (3, "overdue", True, False, 1),
        (7, "escalated", True, True, 0),
    ],
)
def test_a_new_inquiry_waits_for_first_contact_and_becomes_overdue_at_3_and_7_days(
    days, first_contact, overdue, escalated, priority
):
    given = summary()

    then = waits(given, T0 + timedelta(days=days), CONFIG)

    assert (then["first_contact"], then["first_contact_overdue"], then["first_contact_escalated"]) == (
        first_contact,
        overdue,
        escalated,
    )
    assert (then["days_since_inquiry"], then["priority"]) == (days, priority)


def test_a_first_conversation_ends_the_wait_and_a_met_gate_asks_for_the_move():
    given = summary(first_contact_on=date(2026, 3, 3), gate_met=True)

    then = waits(given, T0 + timedelta(days=10), CONFIG)

    assert (then["first_contact"], then["gate_met"], then["priority"]) == (None, True, 2)


def test_a_quiet_group_in_organize_core_is_stalled_after_45_days():
    entered = T0 + timedelta(days=5)
    given = summary(Stage.ORGANIZE_CORE, stage_entered_at=entered, first_contact_on=date(2026, 3, 4))

    before = waits(given, entered + timedelta(days=44), CONFIG)
    after = waits(given, entered + timedelta(days=45), CONFIG)

    assert (before["stalled"], after["stalled"]) == (False, True)
    assert (after["days_in_stage"], after["days_quiet"], after["priority"]) == (45, 45, 3)


def test_logged_activity_keeps_a_group_from_stalling():
    given = summary(Stage.STEP_UP_ACTIVISM, last_activity_at=T0 + timedelta(days=30))

    assert waits(given, T0 + timedelta(days=50), CONFIG)["stalled"] is False


@pytest.mark.parametrize("stage", [Stage.CLOSED, Stage.ACTIVE])
def test_closed_and_active_groups_wait_on_nobody(stage):
    then = waits(summary(stage, gate_met=True), T0 + timedelta(days=100), CONFIG)

    assert (then["first_contact"], then["gate_met"], then["stalled"], then["priority"]) == (None, False, False, 6)


def test_progress_is_the_first_conversation_day_and_whether_the_gate_is_met():
    facts = GroupFacts(
        stage=Stage.LEARN_MORE,
        activities=(
            (ActivityKind.CONTACT_ATTEMPT, date(2026, 3, 1)),
            (ActivityKind.CONVERSATION, date(2026, 3, 5)),
            (ActivityKind.CONVERSATION, date(2026, 3, 3)),
        ),
    )

    progress = progress_of(facts, DEFAULT_GATES)

    assert (progress.first_contact_on, progress.gate_met) == (date(2026, 3, 3), True)


def test_a_contact_attempt_alone_is_no_first_contact():

    facts = GroupFacts(stage=Stage.LEARN_MORE, activities=((ActivityKind.CONTACT_ATTEMPT, date(2026, 3, 1)),))

    assert progress_of(facts, DEFAULT_GATES).first_contact_on is None
    assert progress_of(facts, DEFAULT_GATES).gate_met is False


# --- the use case (shared/usecases/progress.py) on the in-memory store ------------------


def test_a_group_without_its_summary_is_read_whole_and_summed_up_as_a_write_would(memory):
    from shared.storage.transactions import with_values
    from shared.usecases.progress import summary_from_item, summary_of
    from tests import given, in_memory

    group_id = in_memory.group_at(memory, "organize_core")
    given.meet_gate(group_id, "organize_core")
    kept = memory.read_group(group_id).group
    older = with_values(kept, {"stage_entered_at": None, "gate_met": None, "first_contact_on": None})

    rebuilt = summary_of(older, DEFAULT_GATES)

    assert summary_from_item(older) is None
    assert rebuilt == summary_from_item(kept)
    assert (rebuilt.stage, rebuilt.gate_met, rebuilt.first_contact_on) == (
        Stage.ORGANIZE_CORE,
        True,
        date.fromisoformat(given.day(0)),
    )
    assert summary_of(with_values(older, {"group_id": "gone"}), DEFAULT_GATES).stage_entered_at == rebuilt.created_at
