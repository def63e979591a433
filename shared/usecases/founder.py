"""The founder's own page (DESIGN §2b): one function per route.

The founder is whoever holds a valid status token for the group (shared/api/founder_tokens.py);
a token of a group that was erased no longer works. A founder who withdrew can still read the
page, stop emails and erase their data; their group's writes are refused (409). Members and activities the
founder reports go through the organizer's own write paths (shared/usecases/group_writes.py),
recorded as by "founder": they count toward gates and organizers see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared import settings
from shared.api import founder_tokens
from shared.api.auth import Caller
from shared.domain.errors import Forbidden, NotAuthenticated, WrongStage
from shared.domain.group_facts import facts_of
from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.routing import ROLE_TITLES
from shared.domain.stages import Actor, Stage, next_gate, requirements
from shared.parsing.founder import check_founder_activity, parse_contact, parse_email_only, parse_note
from shared.parsing.inquiry import email_key
from shared.storage import founders, ratelimit, transactions
from shared.storage.directory import read_directory
from shared.storage.groups import GroupRecord
from shared.storage.stores import stores
from shared.storage.transactions import WriteCancelled
from shared.usecases import activities, members, moves
from shared.usecases.erasure import erase_address
from shared.usecases.group_writes import FOUNDER, Author, organizer_loader

WITHDRAWN = "withdrawn"
RACE_ATTEMPTS = 10
AS_FOUNDER = Author(FOUNDER, reported_by=FOUNDER)  # what the founder adds is marked theirs


@dataclass(frozen=True)
class Founder:
    """The holder of a valid status token: the group it names, as read now."""

    group_id: str
    record: GroupRecord

    @property
    def caller(self) -> Caller:
        """The organizer write paths' caller for the founder: acts on this group's state
        only, recorded as "founder", with the founder's own role (Actor.FOUNDER), which no
        staff check admits and the stage machine lets only close (`withdraw`)."""
        return Caller(Actor.FOUNDER, email="", organizer_id=FOUNDER, states=frozenset({self.record.group.state}))


def is_withdrawn(record: GroupRecord) -> bool:
    group = record.group
    return group.stage == Stage.CLOSED and group.closed_reason == WITHDRAWN


def founder_of(token: str | None, now: datetime) -> Founder:
    """The founder a status token names; 401 when the token is not valid, or its group is
    gone or erased (the founder's links stop working then). A withdrawn group's founder
    still reads, unsubscribes and erases (`writer_of` refuses the rest)."""
    group_id = founder_tokens.verify(token, now, founder_tokens.STATUS)
    record = stores().groups.read_group(group_id)
    if record is None or record.group.erased_at or not record.group.founder_email:
        raise NotAuthenticated("This link no longer works.")
    return Founder(group_id, record)


def writer_of(founder: Founder) -> Founder:
    """The founder, for a write to their group: refused (409) once they withdrew."""
    if is_withdrawn(founder.record):
        raise WrongStage("You closed this group. You can still read this page or erase your data.")
    return founder


# --- reading ------------------------------------------------------------------------------


def gate_view(record: GroupRecord) -> dict[str, Any]:
    """The next gate as a checklist: every requirement, met or not, with what the group has."""
    facts = facts_of(record)
    gates = settings.gates()
    gate = next_gate(facts, gates)
    items = [] if gate.to is None or facts.stage is Stage.CLOSED else requirements(facts, gates)
    checklist = [{"key": r.key, "asks": r.asks, "have": r.have, "met": r.met} for r in items]
    return {
        "to": gate.to.value if gate.to else None,
        "to_title": STEP_TITLES[gate.to.value] if gate.to else None,
        "met": [c["key"] for c in checklist if c["met"]],
        "unmet": [c["key"] for c in checklist if not c["met"]],
        "checklist": checklist,
        "ready": gate.met,
        "counts": {"core_members": facts.core_members, "members": facts.members},
    }


def reported_by(by: str) -> str:
    return FOUNDER if by == FOUNDER else "organizer"


def status_view(record: GroupRecord) -> dict[str, Any]:
    group = record.group
    contact = read_directory().contact_for(group.organizer_id, group.state)
    organizer = (
        {"name": contact.name, "role": contact.role.value, "title": ROLE_TITLES[contact.role], "email": contact.email}
        if contact
        else None
    )
    return {
        "group_id": group.group_id,
        "stage": group.stage,
        "stage_title": STEP_TITLES[group.stage],
        "stage_text": STEP_TEXTS.get(group.stage, ""),
        "closed_reason": group.closed_reason,
        "state": group.state,
        "city": group.city,
        "language": group.language or "en",  # the page speaks it (DESIGN §8)
        "founder": {"name": group.founder_name, "email": group.founder_email, "phone": group.founder_phone},
        "emails_stopped": bool(group.founder_unsubscribed_at),
        "next_gate": gate_view(record),
        "organizer": organizer,
        "members": [
            {
                "member_id": m.member_id,
                "name": m.name,
                "email": m.email,
                "role": m.role,
                "added_at": m.added_at,
                "reported_by": reported_by(m.added_by),
            }
            for m in record.members
        ],  # fmt: skip
        "activities": [
            {
                "activity_id": a.activity_id,
                "kind": a.activity_kind,
                "date": a.date,
                "notes": a.notes if a.logged_by == FOUNDER else None,  # organizers' notes stay theirs
                "reported_by": reported_by(a.logged_by),
            }
            for a in record.activities
        ],  # fmt: skip
        # The timeline: what moved when (organizers' notes and names stay on their side).
        "history": [
            {"from_stage": h.from_stage, "to_stage": h.to_stage, "at": h.at, "reason": h.reason} for h in record.history
        ],
        "created_at": group.created_at,
        "group_number": int(group.group_number) if group.group_number is not None else None,
    }


def get_status(founder: Founder) -> dict[str, Any]:
    return status_view(founder.record)


# --- the founder's writes -----------------------------------------------------------------


def add_member(founder: Founder, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    founder = writer_of(founder)
    written = members.add_member(AS_FOUNDER, organizer_loader(founder.caller, founder.group_id), payload, None, now)
    return dict(written.body)


def log_activity(founder: Founder, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    founder = writer_of(founder)
    check_founder_activity(payload)
    load = organizer_loader(founder.caller, founder.group_id)
    written = activities.log_activity(AS_FOUNDER, load, payload, None, now)
    return dict(written.body)


def update_contact(founder: Founder, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    founder = writer_of(founder)
    change = parse_contact(payload)
    for round_ in range(RACE_ATTEMPTS):
        record = founder.record if round_ == 0 else stores().groups.read_group(founder.group_id)
        assert record is not None
        try:
            updated = founders.update_contact(record.group, change, by=FOUNDER, now=now)
        except WriteCancelled as err:
            if not err.lost_race:
                raise
            transactions.pause_before_retry(round_)
            continue
        return status_view(replace(record, group=updated))
    raise WrongStage("Other changes to your group kept coming first. Try again.")


def withdraw(founder: Founder, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Close the group as `withdrawn` (any stage but closed); the founder gets no more email
    but the links they ask for (shared/mail/founder_mail.py); this link still opens the page."""
    note = parse_note(payload)
    if founder.record.group.stage == Stage.CLOSED:
        raise WrongStage("The group is already closed.")
    moves.close_as(founder.record, WITHDRAWN, note, now, by=FOUNDER)
    return {"group_id": founder.group_id, "stage": Stage.CLOSED.value, "closed_reason": WITHDRAWN}


def unsubscribe(token: str | None, now: datetime, purpose: str = founder_tokens.UNSUBSCRIBE) -> None:
    """One click (RFC 8058) or the page's button: no more email that is not about a step
    the founder takes. Works for any group the token names, even a withdrawn one."""
    group_id = founder_tokens.verify(token, now, purpose)
    founders.unsubscribe(group_id, now)


def request_link(payload: Mapping[str, Any], source: str, now: datetime) -> None:
    """POST /status/link: a fresh link to the address's group, if it has one (the open group,
    else its newest). The caller learns nothing either way (always 202). Rate-limited per
    client like the form; at most one link an hour per group whoever asks."""
    email = parse_email_only(payload)
    ratelimit.check_and_count(source, now, settings.intake().rate_limit_per_hour, scope="status-link")
    key = email_key(email)
    group_id = stores().groups.open_group_id(key)
    if group_id is None:
        ids = founders.group_ids_of(key)
        group_id = ids[-1] if ids else None
    if group_id is None:
        return
    record = stores().groups.read_group(group_id)
    if record is None or record.group.erased_at or not record.group.founder_email:
        return  # a withdrawn group's founder still gets one: to erase their data
    founders.request_link(group_id, now)


# --- erasure ------------------------------------------------------------------------------


def erase_own_data(founder: Founder, now: datetime) -> int:
    """DELETE /status: every group and inquiry of the founder's address (shared/usecases/erasure.py)."""
    return erase_address(founder.record.group.founder_email, now, by=FOUNDER)


def require_admin(caller: Caller) -> Caller:
    """POST /erasures is for national admins: checked before the body is read."""
    if caller.actor is not Actor.ADMIN:
        raise Forbidden("Only national admins erase personal data by address.")
    return caller


def erase_for_admin(caller: Caller, payload: Mapping[str, Any], now: datetime) -> int:
    """POST /erasures (admins only): the same erasure, for a request that came another way."""
    require_admin(caller)
    return erase_address(parse_email_only(payload), now, by=caller.actor_id)
