"""What happens when SES says an address bounced or complained (DESIGN §4).

- An organizer whose address hard-bounces is marked undeliverable in the directory and
  every group still routed to them (not closed) is routed again as routing now decides
  (shared/domain/routing.py passes undeliverable organizers by). Each re-routed group gets
  a notice: the national inbox hears of it, with the new organizer in copy.
- Any other address (a founder's, a core member's) that hard-bounces or complains goes on
  the suppression list: the sender sends it nothing more. When it is the founder of an open
  group, the group's organizer is told to phone them instead.
Idempotent: a report handled twice writes nothing new (the notices are once per slot).
The groups are read, re-routed and noted through the stores (shared/storage/stores.py); the
directory, the suppression list and the list of an organizer's groups are read on the table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.clock import iso
from shared.domain.routing import route
from shared.parsing.inquiry import email_key
from shared.parsing.ses_feedback import AddressFeedback
from shared.storage import group_queries, suppression, transactions
from shared.storage.directory import mark_undeliverable, read_directory
from shared.storage.stores import stores

SYSTEM_ACTOR = "system:deliverability"
REROUTE_ATTEMPTS = 5


@dataclass
class Outcome:
    """What handling the reports did, in counts (what the handler logs: never an address)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n


def handle_feedback(feedback: AddressFeedback, now: datetime, outcome: Outcome | None = None) -> Outcome:
    outcome = outcome if outcome is not None else Outcome()
    if not feedback.stops_email:
        outcome.add("transient_bounce_ignored")
        return outcome
    directory = read_directory()
    organizer = directory.by_email(feedback.address)
    if organizer is not None:
        if not feedback.permanent or feedback.kind != "bounce":
            # A complaint from a colleague is a person to talk to, not an address to drop.
            outcome.add("organizer_complaint_ignored")
            return outcome
        if not organizer.undeliverable:
            mark_undeliverable(organizer.organizer_id)
            outcome.add("organizer_marked_undeliverable")
        # Always look again: a report handled before may have stopped half-way.
        outcome.add("groups_rerouted", reroute_groups_of(organizer.organizer_id, organizer.states, now))
        return outcome
    if suppression.suppress(feedback.address, feedback.kind.value, iso(now)):
        outcome.add("address_suppressed")
    group_id = stores().groups.open_group_id(email_key(feedback.address))
    if group_id is not None:
        group = stores().groups.read_group_item(group_id)
        founder = group is not None and group.founder_email.casefold() == feedback.address.casefold()
        if founder and stores().notices.record_unreachable_founder(group_id, feedback.kind.value, now):
            outcome.add("organizer_told_to_phone")
    return outcome


def reroute_groups_of(organizer_id: str, states: tuple[str, ...], now: datetime) -> int:
    """Route again every open group of an undeliverable organizer; returns how many moved."""
    moved = 0
    for group in group_queries.open_groups_routed_to(organizer_id, states):
        for _ in range(REROUTE_ATTEMPTS):
            directory = read_directory()  # counts change as groups move: the least busy now
            routing = route(group.state, group.zip, directory.organizers)
            try:
                stores().groups.reroute(group, routing, by=SYSTEM_ACTOR, now=now, notice_action="organizer_rerouted")
                moved += 1
                break
            except transactions.WriteCancelled as err:
                if not err.lost_race:
                    raise
                fresh = stores().groups.read_group_item(group.group_id)
                if fresh is None or fresh.organizer_id != organizer_id or fresh.stage == "closed":
                    break  # someone else moved it meanwhile
                group = fresh
        else:
            raise RuntimeError("a group could not be re-routed after several attempts")
    return moved
