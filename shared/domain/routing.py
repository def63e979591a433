"""Who gets an inquiry: a pure function of the applicant's state and ZIP and the directory.

DESIGN §4: the Area Coordinator(s) of the state (a ZIP-prefix match wins where a state is
split), else the state's Field Organizer, else the national organizing inbox. Among equals,
the one with the fewest open inquiries (then the lowest id, so the answer is stable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    AREA_COORDINATOR = "area_coordinator"
    FIELD_ORGANIZER = "field_organizer"


ROLE_TITLES = {Role.AREA_COORDINATOR: "Area Coordinator", Role.FIELD_ORGANIZER: "Field Organizer"}


class RouteReason(StrEnum):
    ZIP_PREFIX = "zip_prefix"
    STATE_COORDINATOR = "state_coordinator"
    FIELD_ORGANIZER = "field_organizer"
    NATIONAL_INBOX = "national_inbox"


@dataclass(frozen=True)
class Organizer:
    organizer_id: str
    name: str
    role: Role
    email: str
    states: tuple[str, ...]
    zip_prefixes: tuple[str, ...] = ()
    open_inquiries: int = 0
    active: bool = True
    # Their address hard-bounced (SES): routing and escalations pass them by until the
    # directory gives them a new address.
    undeliverable: bool = False

    @property
    def reachable(self) -> bool:
        return self.active and not self.undeliverable

    def covers(self, state: str) -> bool:
        return self.reachable and state in self.states

    def zip_match_length(self, zip_code: str) -> int:
        """Length of the longest of this organizer's ZIP prefixes that `zip_code` starts with."""
        return max((len(p) for p in self.zip_prefixes if zip_code.startswith(p)), default=0)


@dataclass(frozen=True)
class Routing:
    organizer: Organizer | None
    reason: RouteReason
    considered: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> str:
        return {
            RouteReason.ZIP_PREFIX: "Area Coordinator for the applicant's ZIP code area",
            RouteReason.STATE_COORDINATOR: "Area Coordinator for the applicant's state",
            RouteReason.FIELD_ORGANIZER: "Field Organizer for the applicant's state (no Area Coordinator)",
            RouteReason.NATIONAL_INBOX: "National organizing inbox (no organizer for the state)",
        }[self.reason]


def _least_busy(candidates: list[Organizer]) -> Organizer:
    return min(candidates, key=lambda o: (o.open_inquiries, o.organizer_id))


def route(state: str, zip_code: str, directory: Iterable[Organizer]) -> Routing:
    organizers = [o for o in directory if o.covers(state)]
    coordinators = [o for o in organizers if o.role is Role.AREA_COORDINATOR]
    considered = tuple(sorted(o.organizer_id for o in organizers))

    best_match = max((o.zip_match_length(zip_code) for o in coordinators), default=0)
    if best_match:
        matched = [o for o in coordinators if o.zip_match_length(zip_code) == best_match]
        return Routing(_least_busy(matched), RouteReason.ZIP_PREFIX, considered)
    if coordinators:
        # A coordinator without prefixes covers the whole state; in a state split by ZIP
        # whose split leaves this ZIP out, any of the state's coordinators will do.
        statewide = [o for o in coordinators if not o.zip_prefixes] or coordinators
        return Routing(_least_busy(statewide), RouteReason.STATE_COORDINATOR, considered)
    field_organizers = [o for o in organizers if o.role is Role.FIELD_ORGANIZER]
    if field_organizers:
        return Routing(_least_busy(field_organizers), RouteReason.FIELD_ORGANIZER, considered)
    return Routing(None, RouteReason.NATIONAL_INBOX, considered)


def field_organizer_for(state: str, directory: Iterable[Organizer]) -> Organizer | None:
    """The state's Field Organizer (for escalations), or None where the state has none."""
    candidates = [o for o in directory if o.covers(state) and o.role is Role.FIELD_ORGANIZER]
    return _least_busy(candidates) if candidates else None
