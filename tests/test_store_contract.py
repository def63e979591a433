"""The store contract: the same cases on DynamoDB (moto, from template.yaml) and on the
in-memory store, so the fake the use-case tests run on cannot drift from the table.

Each case writes through the GroupStore / NoticeStore interface (shared/storage/stores.py)
and reads back what was committed: values, keys and order, the WriteCancelled codes of a
failed condition (and that nothing was written then), the counter, the applicant's lock,
the organizers' open-inquiry counts and the Due index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.domain.follow_up_rules import Action, Due
from shared.domain.progress import Progress
from shared.domain.routing import route
from shared.domain.stages import Move, Stage
from shared.parsing.inquiry import email_key, parse_inquiry
from shared.storage.group_changes import Change, PlanChange, new_activity, new_member
from shared.storage.groups import GroupRecord
from shared.storage.stage_moves import StageChange
from shared.storage.stores import GroupStore, NoticeStore, stores
from shared.storage.table import GroupItem
from shared.storage.transactions import WriteCancelled
from tests import in_memory
from tests.pipeline import VALID_FORM

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
ORGANIZER = "ac-ca-north"  # where a San Francisco form is routed
FAILED = "ConditionalCheckFailed"


@dataclass
class Contract:
    groups: GroupStore
    notices: NoticeStore
    new_group: Callable[..., str]
    open_inquiries: Callable[[str], int]

    def read(self, group_id: str) -> GroupRecord:
        record = self.groups.read_group(group_id)
        assert record is not None
        return record


def _dynamodb_group(email: str = "ana.souza@example.com", due_at: datetime | None = None) -> str:
    from shared.storage.inquiries import store_inquiry

    inquiry = parse_inquiry({**VALID_FORM, "email": email})
    routing = route(inquiry.state, inquiry.zip, in_memory.organizers())
    return store_inquiry(inquiry, routing, NOW, due_at=due_at).group.group_id


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> Contract:
    if request.param == "dynamodb":
        from shared.storage.directory import read_directory

        request.getfixturevalue("directory")

        def dynamodb_count(organizer_id: str) -> int:
            organizer = read_directory().get(organizer_id)
            assert organizer is not None
            return organizer.open_inquiries

        return Contract(stores().groups, stores().notices, _dynamodb_group, dynamodb_count)
    memory = request.getfixturevalue("memory")

    def memory_group(email: str = "ana.souza@example.com", due_at: datetime | None = None) -> str:
        return in_memory.new_group(memory, email, now=NOW, due=lambda _: due_at)

    return Contract(memory, memory, memory_group, lambda organizer_id: memory.open_inquiries[organizer_id])


def change(at: datetime = NOW, due_at: datetime | None = None, note: str | None = None) -> Change:
    return Change(by="ac-ca-north", at=at, due_at=due_at, progress=Progress(None, False), note=note)


def values(group: GroupItem) -> dict[str, Any]:
    """What a reader sees of the group: every attribute that is set."""
    return {name: value for name, value in group.attribute_values.items() if value is not None}


def move(store: Contract, group_id: str, from_: Stage, to: Stage, **kw: Any) -> Any:
    flags = {k: kw.pop(k) for k in ("charter", "close", "reopen") if k in kw}
    group = store.read(group_id).group
    return store.groups.move_stage(group, StageChange(Move(from_, to, **flags), by="fo-west", at=NOW, **kw))


# --- reads ---------------------------------------------------------------------------


def test_a_new_group_reads_back_with_its_inquiry_and_lock(store):
    group_id = store.new_group()

    record = store.read(group_id)

    assert (record.group.stage, record.group.version, record.group.organizer_id) == ("learn_more", 1, ORGANIZER)
    assert (len(record.inquiries), record.items_read) == (1, 2)
    assert store.groups.open_group_id(email_key("ana.souza@example.com")) == group_id
    assert store.groups.read_group("no-such-group") is None
    assert store.open_inquiries(ORGANIZER) == 1


# --- writes that bump the version -------------------------------------------------------


def test_a_member_added_is_what_a_read_returns_and_the_version_moves(store):
    group_id = store.new_group()
    group = store.read(group_id).group
    member = new_member(group, name="Bo Chen", email="bo@example.net", role="core", by="ac-ca-north", now=NOW)

    written = store.groups.add_member(group, member, change(due_at=NOW + timedelta(days=3)))

    record = store.read(group_id)
    assert values(record.group) == values(written.group)
    assert (record.group.version, record.group.due_sk) == (2, f"2026-12-04T15:00:00Z#{group_id}")
    assert [m.member_id for m in record.members] == [member.member_id]
    assert written.history is None
    assert (record.group.gate_met, record.group.first_contact_on) == (False, None)


def test_a_write_on_a_stale_version_is_cancelled_on_the_group_and_writes_nothing(store):
    group_id = store.new_group()
    stale = store.read(group_id).group
    first = new_activity(stale, kind="conversation", on="2026-12-01", notes=None, by="x", now=NOW)
    store.groups.add_activity(stale, first, change())
    second = new_activity(stale, kind="meeting", on="2026-12-01", notes=None, by="x", now=NOW)

    with pytest.raises(WriteCancelled) as cancelled:
        store.groups.add_activity(stale, second, change())

    assert cancelled.value.codes == {"group": FAILED}
    assert cancelled.value.lost_race
    assert [a.activity_id for a in store.read(group_id).activities] == [first.activity_id]


def test_a_member_stored_twice_is_cancelled_on_the_member(store):
    group_id = store.new_group()
    group = store.read(group_id).group
    member = new_member(group, name="Bo", email=None, role="member", by="x", now=NOW)
    written = store.groups.add_member(group, member, change())

    with pytest.raises(WriteCancelled) as cancelled:
        store.groups.add_member(written.group, member, change())

    assert cancelled.value.codes == {"member": FAILED}
    assert store.read(group_id).group.version == 2


def test_corrections_and_removals_write_their_history(store):
    group_id = store.new_group()
    group = store.read(group_id).group
    member = new_member(group, name="Bo", email=None, role="member", by="x", now=NOW)
    group = store.groups.add_member(group, member, change()).group
    member.name = "Bo Chen"

    corrected = store.groups.correct_member(group, member, ["name"], change(note="spelling"))
    removed = store.groups.remove_member(corrected.group, member, change())

    record = store.read(group_id)
    assert [(h.version, h.change, h.subject_id, h.fields, h.note) for h in record.history] == [
        (3, "member_corrected", member.member_id, ["name"], "spelling"),
        (4, "member_removed", member.member_id, None, None),
    ]
    assert removed.history is not None
    assert removed.history.sk == record.history[-1].sk
    assert record.members == []
    with pytest.raises(WriteCancelled) as cancelled:
        store.groups.remove_member(removed.group, member, change())
    assert cancelled.value.codes == {"member": FAILED}


def test_an_activity_corrected_to_another_date_moves_to_that_dates_key(store):
    group_id = store.new_group()
    group = store.read(group_id).group
    early = new_activity(group, kind="meeting", on="2026-11-01", notes=None, by="x", now=NOW)
    late = new_activity(group, kind="meeting", on="2026-11-20", notes=None, by="x", now=NOW)
    group = store.groups.add_activity(group, early, change()).group
    group = store.groups.add_activity(group, late, change(at=NOW + timedelta(hours=1))).group
    was = store.read(group_id).activities[0]
    moved = new_activity(group, kind="meeting", on="2026-11-30", notes="later", by="x", now=NOW)
    moved.activity_id = was.activity_id

    group = store.groups.correct_activity(group, was, moved, ["date", "notes"], change()).group
    store.groups.remove_activity(group, late, change(), "2026-12-01T15:00:00Z")

    record = store.read(group_id)
    assert [(a.activity_id, a.date, a.notes, a.sk) for a in record.activities] == [
        (early.activity_id, "2026-11-30", "later", f"ACTIVITY#2026-11-30#{early.activity_id}")
    ]
    assert record.group.last_activity_at == "2026-12-01T15:00:00Z"
    assert [h.change for h in record.history] == ["activity_corrected", "activity_removed"]


def test_the_plan_is_recorded_with_the_case_and_the_public_name(store):
    group_id = store.new_group()
    group = store.read(group_id).group
    plan = {"case_campaign": "Letters", "national_campaigns": ["One"], "growth_goal": 12, "partners": []}

    progress = Progress(date(2026, 11, 2), gate_met=True)
    written = store.groups.record_plan(group, PlanChange(plan, "fo-west", NOW, "C-1", "SF Letters", progress))

    record = store.read(group_id)
    assert values(record.group) == values(written.group)
    assert (record.group.plan, record.group.case_id, record.group.public_name) == (plan, "C-1", "SF Letters")
    assert record.group.version == 2


def test_a_reassigned_inquiry_moves_its_open_inquiry_and_writes_history(store):
    group_id = store.new_group()
    group = store.read(group_id).group

    written = store.groups.reassign(group, "fo-west", change(), routing_note="by hand", counts_open_inquiry=True)

    record = store.read(group_id)
    assert values(record.group) == values(written.group)
    assert (record.group.organizer_id, record.group.routing_reason) == ("fo-west", "reassigned")
    assert (store.open_inquiries(ORGANIZER), store.open_inquiries("fo-west")) == (0, 1)
    assert [(h.from_organizer_id, h.to_organizer_id) for h in record.history] == [(ORGANIZER, "fo-west")]
    with pytest.raises(WriteCancelled) as cancelled:
        store.groups.reassign(written.group, "nobody", change(), routing_note="x", counts_open_inquiry=True)
    assert cancelled.value.codes == {"to_organizer": FAILED}


# --- stage moves ------------------------------------------------------------------------


def test_a_move_writes_the_group_and_its_history_and_leaves_learn_more(store):
    group_id = store.new_group()

    written = move(store, group_id, Stage.LEARN_MORE, Stage.ORGANIZE_CORE, note="met")

    record = store.read(group_id)
    assert values(record.group) == values(written.group)
    assert (record.group.stage, record.group.gsi2pk, record.group.due_pk) == (
        "organize_core",
        "STAGE#organize_core",
        None,
    )
    assert [(h.from_stage, h.to_stage, h.note, h.version) for h in record.history] == [
        ("learn_more", "organize_core", "met", 2)
    ]
    assert store.open_inquiries(ORGANIZER) == 0


def test_a_charter_takes_the_next_number_only(store):
    group_id = store.new_group()

    with pytest.raises(WriteCancelled) as taken:
        move(store, group_id, Stage.GET_CHARTERED, Stage.DEVELOP_PLAN, charter=True, group_number=2)
    written = move(store, group_id, Stage.GET_CHARTERED, Stage.DEVELOP_PLAN, charter=True, group_number=1, case_id="C")

    assert taken.value.codes == {"counter": FAILED}
    assert (written.group.group_number, written.group.case_id, written.group.public_name) == (1, "C", "San Francisco")
    assert store.groups.read_group_number() == 1
    with pytest.raises(WriteCancelled) as again:
        move(store, group_id, Stage.GET_CHARTERED, Stage.DEVELOP_PLAN, charter=True, group_number=2)
    assert again.value.codes == {"group": FAILED}


def test_closing_releases_the_lock_and_reopening_takes_it_unless_another_group_has_it(store):
    group_id = store.new_group()
    move(store, group_id, Stage.LEARN_MORE, Stage.CLOSED, close=True, reason="other")
    closed = store.read(group_id).group
    assert (closed.closed_reason, closed.closed_from) == ("other", "learn_more")
    assert store.groups.open_group_id(email_key("ana.souza@example.com")) is None
    other = store.new_group()

    with pytest.raises(WriteCancelled) as refused:
        move(store, group_id, Stage.CLOSED, Stage.LEARN_MORE, reopen=True)

    assert refused.value.codes == {"applicant_lock": FAILED}
    assert store.read(group_id).group.stage == "closed"
    assert store.groups.open_group_id(email_key("ana.souza@example.com")) == other
    assert store.open_inquiries(ORGANIZER) == 1


def test_a_reopened_inquiry_takes_its_lock_and_open_inquiry_back(store):
    group_id = store.new_group()
    move(store, group_id, Stage.LEARN_MORE, Stage.CLOSED, close=True, reason="other")

    written = move(store, group_id, Stage.CLOSED, Stage.LEARN_MORE, reopen=True)

    assert (written.group.closed_reason, written.group.closed_from) == (None, None)
    assert store.groups.open_group_id(email_key("ana.souza@example.com")) == group_id
    assert store.open_inquiries(ORGANIZER) == 1


# --- the Due index and notices ----------------------------------------------------------


def test_the_due_index_lists_what_is_due_oldest_first(store):
    later = store.new_group("one@example.com", due_at=NOW + timedelta(days=2))
    sooner = store.new_group("two@example.com", due_at=NOW + timedelta(days=1))
    store.new_group("three@example.com", due_at=NOW + timedelta(days=9))

    assert store.notices.due_group_ids(NOW) == ([], 0)
    assert store.notices.due_group_ids(NOW + timedelta(days=2)) == ([sooner, later], 2)


def test_a_notice_is_taken_once_and_moves_the_group_in_the_due_index_without_a_bump(store):
    group_id = store.new_group(due_at=NOW)
    group = store.read(group_id).group
    due = Due(Action.FIRST_CONTACT_REMINDER, "first_contact_reminder", NOW)

    taken = store.notices.record_notice(group, due, now=NOW, next_due_at=NOW + timedelta(days=4))
    again = store.notices.record_notice(group, due, now=NOW, next_due_at=None)

    record = store.read(group_id)
    assert (taken, again) == (True, False)
    assert (record.group.version, record.group.due_sk) == (1, f"2026-12-05T15:00:00Z#{group_id}")
    assert [(n.action, n.slot, n.due_at, n.run_at) for n in record.notices] == [
        ("first_contact_reminder", "first_contact_reminder", "2026-12-01T15:00:00Z", "2026-12-01T15:00:00Z")
    ]
    store.notices.set_due(group, None)
    assert store.notices.due_group_ids(NOW + timedelta(days=9)) == ([], 0)


def test_a_notice_on_a_changed_group_is_cancelled_on_the_group(store):
    group_id = store.new_group(due_at=NOW)
    stale = store.read(group_id).group
    move(store, group_id, Stage.LEARN_MORE, Stage.ORGANIZE_CORE)

    with pytest.raises(WriteCancelled) as cancelled:
        store.notices.record_notice(stale, Due(Action.STALLED_NUDGE, "s", NOW), now=NOW, next_due_at=None)

    assert cancelled.value.codes == {"group": FAILED}
    assert store.read(group_id).notices == []
