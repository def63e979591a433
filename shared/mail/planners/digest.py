"""An organizer's weekly digest (DigestDue): the open groups they look after, and what each waits for."""

from __future__ import annotations

from datetime import datetime

from shared import settings
from shared.domain.clock import parse_iso
from shared.domain.digest import DigestSection, GroupSummary, compose
from shared.domain.follow_up_rules import FollowUpConfig, quiet_since, waiting_since
from shared.domain.group_facts import facts_of, snapshot_of
from shared.domain.routing import Organizer, Role
from shared.domain.stages import GateConfig, Stage, next_gate
from shared.mail.outgoing import OutgoingEmail, place_of
from shared.mail.rendering import render
from shared.outbox.events import DigestDue
from shared.settings import EmailSettings
from shared.storage import group_queries
from shared.storage.directory import DirectoryReader
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores


def plan_digest_email(event: DigestDue, organizer: Organizer, sections: list[DigestSection]) -> list[OutgoingEmail]:
    """The weekly digest; nothing when the organizer has no open group."""
    if not sections:
        return []
    total = sum(len(s.groups) for s in sections)
    text, html = render("weekly_digest", organizer=organizer, sections=sections, total=total)
    subject = f"Your Start a Group digest, week {event.week}: {total} open group{'s' if total != 1 else ''}"
    return [OutgoingEmail(f"{event.dedup_key}", (organizer.email,), subject, text, html)]


def flags_of(record: GroupRecord, now: datetime, gates: GateConfig, config: FollowUpConfig) -> tuple[str, ...]:
    snapshot = snapshot_of(record, gates)
    flags = []
    waiting = waiting_since(snapshot)
    if waiting is not None and (now - waiting).days >= config.first_contact_reminder_days:
        flags.append(f"no first contact after {(now - waiting).days} days")
    if snapshot.gate_met:
        flags.append("ready to charter")
    quiet = quiet_since(snapshot)
    if quiet is not None and (now - quiet).days >= config.stalled_days:
        flags.append(f"quiet for {(now - quiet).days} days")
    return tuple(flags)


def digest_summaries(
    organizer: Organizer, now: datetime, gates: GateConfig, config: FollowUpConfig
) -> list[GroupSummary]:
    """The open groups an organizer looks after: a coordinator's own (routed to them), a
    field organizer's whole territory. One index query per state (the list, on the table),
    one read per group (through the group store)."""
    out = []
    for state in organizer.states:
        items, _ = group_queries.groups_in_state(state)
        for item in items:
            if item.stage == Stage.CLOSED:
                continue
            if organizer.role is Role.AREA_COORDINATOR and item.organizer_id != organizer.organizer_id:
                continue
            record = stores().groups.read_group(item.group_id)
            if record is None:
                continue
            snapshot = snapshot_of(record, gates)
            gate = next_gate(facts_of(record), gates)
            out.append(
                GroupSummary(
                    group_id=item.group_id,
                    place=place_of(item.city, item.state),
                    stage=Stage(item.stage),
                    stage_entered_at=snapshot.stage_entered_at,
                    waiting=gate.unmet,
                    flags=flags_of(record, now, gates, config),
                )
            )
    return out


def emails(event: DigestDue, config: EmailSettings, read: DirectoryReader) -> list[OutgoingEmail]:
    """The digest of an active organizer, as of the run that took it."""
    organizer = read().get(event.organizer_id)
    if organizer is None or not organizer.active:
        return []
    as_of = parse_iso(event.as_of)
    summaries = digest_summaries(organizer, as_of, settings.gates(), settings.follow_ups())
    sections = compose(summaries, as_of, str(config.organizer_app_url))
    return plan_digest_email(event, organizer, sections)
