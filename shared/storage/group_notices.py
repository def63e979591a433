"""Notices on a group and its place in the Due index: follow-ups taken, re-routing, unreachable founders."""

from __future__ import annotations

from datetime import datetime

from shared.domain.clock import iso
from shared.domain.follow_up_rules import Due
from shared.domain.routing import Routing
from shared.storage.group_keys import DUE_PK, FIRST_STAGE, NOTICE_PREFIX, Values, due_values, group_pk
from shared.storage.table import GroupItem, NoticeItem, bind, saved_new
from shared.storage.transactions import Part, WriteCancelled, bump, commit, group_update, open_inquiries, put


def notice_item(group_id: str, action: str, slot: str, now: datetime, due_at: datetime | None = None) -> NoticeItem:
    return NoticeItem(
        group_pk(group_id), NOTICE_PREFIX + slot, group_id=group_id, action=action, slot=slot,
        due_at=iso(due_at or now), run_at=iso(now),
    )  # fmt: skip


# --- deliverability (DESIGN §4): re-routing a group, notices of unreachable people -------


def reroute(group: GroupItem, routing: Routing, *, by: str, now: datetime, notice_action: str) -> None:
    """Route the group to whom `routing` chose, as ONE transaction on the version read: the
    group (organizer, reason; next version), the open-inquiry counts when it is still an
    inquiry (learn_more), and a notice whose insert tells the people concerned (the
    stream makes it a FollowUpDue). Raises WriteCancelled when the group changed."""
    bind()
    values, notice, counts = rerouted(group, routing, now=now, notice_action=notice_action)
    group_part, _ = bump(group, by, now, values)
    commit([group_part, put("notice", notice), *(open_inquiries("organizer", o, d) for o, d in counts)])


def rerouted(
    group: GroupItem, routing: Routing, *, now: datetime, notice_action: str
) -> tuple[Values, NoticeItem, list[tuple[str, int]]]:
    """What a re-routing writes: the group's routing values, its notice (one per organizer
    left and day), and the open-inquiry counts that move (organizer id, delta) when the
    group is still an inquiry."""
    new_id = routing.organizer.organizer_id if routing.organizer else None
    values: Values = {
        "organizer_id": new_id,
        "routing_reason": routing.reason.value,
        "routing_note": routing.explanation,
        "routing_considered": list(routing.considered),
    }
    notice = notice_item(group.group_id, notice_action, f"{notice_action}:{group.organizer_id}:{iso(now)[:10]}", now)
    moving = ((group.organizer_id, -1), (new_id, 1)) if group.stage == FIRST_STAGE else ()
    return values, notice, [(organizer_id, delta) for organizer_id, delta in moving if organizer_id]


def unreachable_notice(group_id: str, reason: str, now: datetime) -> NoticeItem:
    return notice_item(group_id, "founder_unreachable", f"founder_unreachable:{reason}", now)


def record_unreachable_founder(group_id: str, reason: str, now: datetime) -> bool:
    """Note (once per group and reason) that the founder's address bounced or complained;
    its insert tells the group's organizer to phone instead. False: noted already."""
    bind()
    return saved_new(unreachable_notice(group_id, reason, now))


# --- follow-ups (DESIGN §5): the Due index and the notices acted on ---------------------


def due_group_ids(now: datetime, page_size: int = 100) -> tuple[list[str], int]:
    """The groups whose next follow-up is due at `now` (the Due index, oldest first) and how
    many index items were read: only what is due, never the groups that are not."""
    bind()
    ids: list[str] = []
    read = 0
    bound = f"{iso(now)}#~"  # "~" sorts after every group id: all entries due at `now` too
    for item in GroupItem.due.query(DUE_PK, GroupItem.due_sk <= bound, page_size=page_size):
        read += 1
        ids.append(item.group_id)
    return ids, read


def record_notice(group: GroupItem, due: Due, *, now: datetime, next_due_at: datetime | None) -> bool:
    """Take a follow-up's slot (once: False when it was already taken) and move the group to
    its next place in the Due index, on the version that was read. The version is not
    bumped: a follow-up changes nothing an organizer sees, so their ETag stays valid.
    Raises WriteCancelled(lost_race) when the group changed since it was read."""
    bind()
    notice = notice_item(group.group_id, due.action.value, due.slot, now, due_at=due.at)
    try:
        commit([put("notice", notice, NoticeItem.pk.does_not_exist()), _due_part(group, next_due_at)])
    except WriteCancelled as err:
        if err.codes.get("notice") == "ConditionalCheckFailed":
            return False
        raise
    return True


def _due_part(group: GroupItem, due_at: datetime | None) -> Part:
    """The group's place in the Due index, on the version that was read; no version bump."""
    return group_update(group, due_values(group.group_id, due_at))


def set_due(group: GroupItem, due_at: datetime | None) -> None:
    """Put the group where it belongs in the Due index (a run that found nothing to do
    repairs a stale entry), on the version that was read; no version bump."""
    bind()
    commit([_due_part(group, due_at)])
