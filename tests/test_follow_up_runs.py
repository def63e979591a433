"""The scheduled runs (DESIGN §5): what is due gets its email, once, and only what is due is read.

What a run takes and reads runs on the in-memory store (`memory`: the use case, its notices
and the Due index); what the emails say, and who gets them, runs through the handlers, the
stream and the sender on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from local.lambda_runtime import invoke
from shared import settings
from shared.domain.follow_up_rules import FollowUpConfig
from shared.mail.rendering import WORD_JOINER
from shared.storage import group_notices, group_queries, groups, inquiries
from shared.storage.directory import load_directory
from shared.storage.directory_file import parse_directory_file
from shared.usecases import lifecycle
from shared.usecases.scheduled_runs import now_of, run_follow_ups
from tests import in_memory
from tests.conftest import ROOT, sent_emails
from tests.given import ADMIN_CALLER, group_at, meet_gate, new_group
from tests.pipeline import run_async


def at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(stack, days: float, function: str = "FollowUpsFunction") -> dict:
    report = invoke(stack, function, {"time": at(days)})
    run_async(stack)
    return report


def run_in_memory(days: float) -> dict:
    """The follow-up run `days` from now, on whatever store is installed (the `memory` one)."""
    return run_follow_ups(now_of({"time": at(days)})).as_dict()


def emails_since(before: int) -> list:
    return sent_emails()[before:]


@pytest.fixture
def applied(directory, aws, group_at_stage):
    """A new inquiry from San Francisco (routed to ac-ca-north), its two emails sent."""
    return group_at_stage("learn_more", delivered=True)


def test_before_three_days_nothing_is_due(memory):
    applied = in_memory.new_group(memory)

    report = run_in_memory(2.9)

    assert (report["due"], report["taken"]) == (0, {})
    assert memory.read_group(applied).notices == []


def test_after_three_days_the_routed_organizer_is_reminded_once(directory, aws, applied):
    first = run(aws, 4)
    again = run(aws, 4)

    [reminder] = emails_since(2)
    assert reminder.to == [directory.get("ac-ca-north").email]
    assert reminder.subject.startswith("Reminder")
    assert "ana.souza@example.com" in reminder.text.replace(WORD_JOINER, "").lower()  # shown, inert
    assert first["taken"] == {"first_contact_reminder": 1}
    assert again["due"] == 0  # the group's next due moved to day 7


def test_replaying_a_slot_sends_nothing_twice_even_when_the_index_is_behind(memory):
    applied = in_memory.new_group(memory)
    run_in_memory(4)
    memory.set_due(memory.read_group(applied).group, datetime.now(UTC))  # as if the index still listed it

    replay = run_in_memory(4)

    assert replay["due"] == 1
    assert replay["taken"] == {}
    assert [n.action for n in memory.read_group(applied).notices] == ["first_contact_reminder"]  # one email


def test_after_seven_days_the_field_organizer_is_escalated_to_with_the_organizer_in_copy(directory, aws, applied):
    run(aws, 4)
    run(aws, 8)

    reminder, escalation = emails_since(2)
    assert escalation.to == [directory.get("fo-west").email]
    assert escalation.cc == [directory.get("ac-ca-north").email]
    assert escalation.subject.startswith("Escalation")


def test_a_group_found_late_is_escalated_without_a_reminder_first(directory, aws, applied):
    run(aws, 8)
    [escalation] = emails_since(2)
    assert escalation.subject.startswith("Escalation")


def test_a_state_without_a_field_organizer_escalates_to_the_national_inbox(directory, aws):
    data = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
    without_fo = tuple(o.model_copy(update={"states": tuple(s for s in o.states if s != "CA")}) if o.id == "fo-west"
                       else o for o in data.organizers)  # fmt: skip
    load_directory(data.model_copy(update={"organizers": without_fo}))
    new_group(aws)
    run_async(aws)

    run(aws, 8)

    [escalation] = emails_since(2)
    assert escalation.to == ["organize@example.org"]
    assert escalation.cc == [directory.get("ac-ca-north").email]


def test_a_logged_conversation_stops_the_chase(memory):
    applied = in_memory.new_group(memory)
    meet_gate(applied, "learn_more")

    report = run_in_memory(8)

    assert (report["due"], report["taken"]) == (0, {})
    assert memory.read_group(applied).notices == []


def test_a_group_that_moved_on_after_the_run_gets_no_stale_email(directory, aws, applied):
    invoke(aws, "FollowUpsFunction", {"time": at(4)})  # the notice is taken, its email not yet sent
    meet_gate(applied, "learn_more")
    run_async(aws)
    assert emails_since(2) == []


def test_after_sixty_days_the_inquiry_is_closed_and_the_applicant_told_how_to_reopen(directory, aws, applied):
    run(aws, 61)

    group = lifecycle.get_group(ADMIN_CALLER, applied).body
    assert (group["stage"], group["closed_reason"]) == ("closed", "no_response")
    assert group["history"][-1]["by"] == "system:follow-ups"
    founder = [e for e in emails_since(2) if e.to == ["ana.souza@example.com"]]
    assert len(founder) == 1
    assert "no first conversation with an organizer took place" in founder[0].text
    assert "send the form again" in founder[0].text
    assert "reopen" in founder[0].text
    assert "866-273-4466" in founder[0].text
    assert inquiries.find_open_group_id("ana.souza@example.com") is None
    assert run(aws, 62)["due"] == 0


def reopen(group_id: str, days: float) -> None:
    lifecycle.move_stage(ADMIN_CALLER, group_id, {"to": "learn_more"}, None, datetime.now(UTC) + timedelta(days=days))


def test_a_stale_inquiry_reopened_is_chased_again_from_its_reopening_not_closed_again(directory, aws, applied):
    run(aws, 61)  # closed: no_response
    reopen(applied, 62)
    before = len(sent_emails())

    assert run(aws, 63)["taken"] == {}  # not closed again the next day
    reminder_run = run(aws, 65.1)  # three days after the reopening

    assert lifecycle.get_group(ADMIN_CALLER, applied).body["stage"] == "learn_more"
    assert reminder_run["taken"] == {"first_contact_reminder": 1}
    [reminder] = [e for e in emails_since(before) if e.subject.startswith("Reminder")]
    assert "asked 3 days ago" in reminder.text
    assert run(aws, 69.1)["taken"] == {"first_contact_escalation": 1}
    assert run(aws, 122.1)["taken"] == {"close_no_response": 1}  # 60 days after the reopening


def test_a_run_given_its_configuration_follows_it_over_the_settings(memory):
    applied = in_memory.new_group(memory, due=lambda now: now + timedelta(days=1))
    days = FollowUpConfig(first_contact_reminder_days=1, first_contact_escalation_days=2, stale_inquiry_days=5)

    given_days = run_follow_ups(now_of({"time": at(1.5)}), config=days)
    closing = run_follow_ups(now_of({"time": at(5.5)}), config=days)

    assert settings.follow_ups().first_contact_reminder_days == 3  # the settings would wait
    assert given_days.taken == {"first_contact_reminder": 1}
    assert closing.taken == {"close_no_response": 1}
    assert memory.read_group(applied).group.stage == "closed"


def test_a_group_closed_by_hand_and_reopened_weeks_later_is_not_escalated_at_once(memory):
    applied = in_memory.new_group(memory)
    lifecycle.move_stage(ADMIN_CALLER, applied, {"to": "closed", "reason": "duplicate"}, None,
                         datetime.now(UTC) + timedelta(days=1))  # fmt: skip
    # A closed group owes nothing but its retention erasure, a year on (DESIGN §5).
    assert memory.read_group(applied).group.due_sk.startswith(f"{(datetime.now(UTC) + timedelta(days=366)).year}-")
    reopen(applied, 30)

    assert run_in_memory(30.5)["taken"] == {}
    assert run_in_memory(33.1)["taken"] == {"first_contact_reminder": 1}


def test_a_late_run_says_how_long_the_inquiry_has_really_waited(directory, aws, applied):
    run(aws, 30)  # the first run in a month: escalated at once

    [escalation] = emails_since(2)
    assert "has waited 30 days" in escalation.text


def test_an_inquiry_routed_to_its_field_organizer_escalates_to_the_national_inbox(directory, aws):
    new_group(aws, email="ak@example.com", state="AK", zip="99501", city="Anchorage")  # no coordinator in AK
    run_async(aws)
    field_organizer = directory.get(lifecycle.get_group(ADMIN_CALLER, groups_of_state("AK")[0]).body["organizer_id"])
    assert field_organizer.role.value == "field_organizer"

    run(aws, 4)
    run(aws, 8)

    reminder, escalation = emails_since(2)
    assert "escalated to the national organizing team" in reminder.text
    assert (escalation.to, escalation.cc) == (["organize@example.org"], [field_organizer.email])
    assert "who is copied on this email" in escalation.text


def test_the_groups_of_an_organizer_who_left_are_chased_with_the_states_field_organizer(directory, aws, applied):
    data = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
    load_directory(data.model_copy(update={"organizers": tuple(o for o in data.organizers if o.id != "ac-ca-north")}))

    run(aws, 4)

    [reminder] = emails_since(2)
    assert reminder.to == [directory.get("fo-west").email]


@pytest.mark.parametrize("event", [{}, {"time": None}, {"time": "garbage"}, {"time": "0001-01-01T00:00:00Z"}, []])
def test_a_scheduled_event_without_a_usable_time_is_refused_before_anything_is_done(aws, monkeypatch, event):
    from shared.usecases.scheduled_runs import InvalidScheduledEvent

    ran = []
    monkeypatch.setattr("functions.follow_ups.app.run_follow_ups", lambda now: ran.append(now))
    with pytest.raises(InvalidScheduledEvent):
        invoke(aws, "FollowUpsFunction", event)
    assert ran == []


def groups_of_state(state: str) -> list[str]:
    return [g.group_id for g in group_queries.walk(group_queries.Partition(state=state))]


def test_a_quiet_group_is_nudged_after_45_days_and_its_founder_too(directory, aws, group_at_stage):
    group_id = group_at_stage("organize_core", delivered=True)
    before = len(sent_emails())

    assert run(aws, 44.9)["taken"] == {}
    report = run(aws, 45.1)

    assert report["taken"] == {"stalled_nudge": 1}
    to_organizer, to_founder = sorted(emails_since(before), key=lambda e: e.to == ["ana.souza@example.com"])
    assert to_organizer.to == [directory.get("ac-ca-north").email]
    assert to_founder.to == ["ana.souza@example.com"]  # their own copy, with their status link
    assert "/status#t=" in to_founder.text
    assert "/status#t=" not in to_organizer.text
    for nudge in (to_organizer, to_founder):
        assert "core_members" in nudge.text
    assert run(aws, 46)["taken"] == {}
    assert groups.read_group(group_id).notices[0].action == "stalled_nudge"


def test_a_group_whose_step_up_gate_is_met_is_announced_to_the_field_organizer_once(directory, aws, group_at_stage):
    group_id = group_at_stage("step_up_activism")
    assert group_notices.due_group_ids(datetime.now(UTC) + timedelta(days=1))[0] == []  # next due: the stall
    meet_gate(group_id, "step_up_activism")
    run_async(aws)
    before = len(sent_emails())

    first = run(aws, 0.01)
    second = run(aws, 1)

    assert first["taken"] == {"charter_eligible": 1}
    assert second["taken"] == {}
    [notice] = emails_since(before)
    assert notice.to == [directory.get("fo-west").email]
    assert notice.subject.startswith("Ready to charter")


def test_a_chartered_group_owes_nothing(memory):
    group_id = in_memory.group_at(memory, "active")
    assert memory.read_group(group_id).group.due_sk is None


# --- only what is due is read ------------------------------------------------------------


def test_the_items_a_run_reads_do_not_grow_with_groups_that_are_not_due(memory):
    made = iter(range(1000))

    def due_groups(n: int) -> None:  # new inquiries: their reminder is due at +3 days
        for _ in range(n):
            in_memory.new_group(memory, email=f"due{next(made)}@example.com")

    def not_due_groups(n: int) -> None:  # a conversation logged: nothing due, out of the index
        for _ in range(n):
            meet_gate(in_memory.new_group(memory, email=f"calm{next(made)}@example.com"), "learn_more")

    due_groups(2)
    not_due_groups(2)
    small = run_in_memory(4)
    due_groups(2)  # the first two now wait for day 7: the same shape of work as before
    not_due_groups(20)
    large = run_in_memory(4)

    assert small["due"] == large["due"] == 2
    assert small["taken"] == large["taken"] == {"first_contact_reminder": 2}
    assert small["items_read"] == large["items_read"] == 2 + 2 * 2  # index entries + group, inquiry


# --- the weekly digest --------------------------------------------------------------------


def backdate(group_id: str, days: int) -> None:
    """As if the group had come in `days` earlier (timestamps are kept to the second, so two
    groups made by one test are otherwise often the same age)."""
    from shared.domain.clock import iso, parse_iso
    from shared.storage.table import GroupItem

    group = groups.read_group(group_id).group
    actions = [GroupItem.created_at.set(iso(parse_iso(group.created_at) - timedelta(days=days)))]
    if group.stage_entered_at:  # kept on the group since it entered learn_more with its inquiry
        actions.append(GroupItem.stage_entered_at.set(iso(parse_iso(group.stage_entered_at) - timedelta(days=days))))
    group.update(actions=actions)


def test_each_organizer_gets_a_weekly_digest_of_their_groups_once(directory, aws):
    backdate(new_group(aws), 2)
    new_group(aws, email="second@example.com", city="Oakland", zip="94601")
    group_at(aws, "organize_core", email="third@example.com", city="Berkeley", zip="94704")
    run_async(aws)
    before = len(sent_emails())

    first = run(aws, 0, "WeeklyDigestFunction")
    second = run(aws, 0, "WeeklyDigestFunction")

    assert first["taken"] == {"digest": 2}  # the coordinator and the field organizer; no one else has groups
    assert second["taken"] == {}
    assert second["already_taken"] == 2
    digests = emails_since(before)
    recipients = sorted(e.to[0] for e in digests)
    assert recipients == sorted([directory.get("ac-ca-north").email, directory.get("fo-west").email])
    coordinator = next(e for e in digests if e.to == [directory.get("ac-ca-north").email])
    text = coordinator.text
    assert text.index("Step 1: Learn More (2)") < text.index("Step 2: Organize a Core (1)")
    assert text.index("San Francisco") < text.index("Oakland")  # oldest first
    assert "(2 days)" in text
    assert "(0 days)" in text
    assert "core_members" in text
    assert "ana.souza" not in text.lower()  # places and what waits, no applicants' emails


def test_a_new_week_is_a_new_digest(directory, aws):
    new_group(aws)
    run_async(aws)
    run(aws, 0, "WeeklyDigestFunction")
    before = len(sent_emails())
    assert run(aws, 7, "WeeklyDigestFunction")["taken"]["digest"] > 0
    assert len(emails_since(before)) == 2


def test_the_sample_schedule_events_run(directory, aws):
    from tests.conftest import sample_event

    assert invoke(aws, "FollowUpsFunction", sample_event("follow_ups_daily.json"))["as_of"] == "2026-11-26T14:00:00Z"
    new_group(aws)
    assert invoke(aws, "WeeklyDigestFunction", sample_event("weekly_digest_monday.json"))["due"] == 2


def test_a_failed_follow_up_logs_the_group_the_error_type_and_place_never_its_text(memory, monkeypatch, capsys, caplog):
    import re

    from shared.usecases import scheduled_runs

    def fail(*_args, **_kwargs):
        raise ValueError("no reply from ana.souza@example.com about 'Meet at 5 Elm St'")

    applied = in_memory.new_group(memory)
    monkeypatch.setattr(scheduled_runs, "_follow_up", fail)
    with pytest.raises(scheduled_runs.RunFailed):
        scheduled_runs.run_follow_ups(datetime.now(UTC) + timedelta(days=3.5))

    logs = capsys.readouterr().out + caplog.text
    [failed] = [r for r in caplog.records if r.getMessage() == "follow-up failed"]
    assert (failed.group_id, failed.error_type) == (applied, "ValueError")
    assert re.fullmatch(r"tests/test_follow_up_runs\.py:\d+", failed.error_at)
    assert failed.exc_info is None
    assert "ana.souza" not in logs
    assert "Elm St" not in logs
