"""The weekly organizer digest (DESIGN §5): an organizer's open groups by stage, oldest
first, with what waits on each. Pure: summaries in, sections out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.domain.program import STEP_TITLES
from shared.domain.stages import FORWARD, Stage


@dataclass(frozen=True)
class GroupSummary:
    group_id: str
    place: str
    stage: Stage
    stage_entered_at: datetime
    waiting: tuple[str, ...] = ()  # what the next gate still asks for
    flags: tuple[str, ...] = ()  # what is late: "first contact overdue", "ready to charter", ...


@dataclass(frozen=True)
class DigestLine:
    group_id: str
    place: str
    since: str
    age_days: int
    waiting: tuple[str, ...]
    flags: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class DigestSection:
    stage: Stage
    title: str
    groups: list[DigestLine] = field(default_factory=list)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def compose(summaries: list[GroupSummary], now: datetime, link_base: str) -> list[DigestSection]:
    """Sections in the program's order; within each, the group waiting longest first.
    Closed groups are left out; stages without groups are left out."""
    sections = []
    for stage in FORWARD:
        chosen = sorted((s for s in summaries if s.stage is stage), key=lambda s: (s.stage_entered_at, s.group_id))
        if not chosen:
            continue
        lines = [
            DigestLine(
                group_id=s.group_id,
                place=s.place,
                since=s.stage_entered_at.strftime("%Y-%m-%d"),
                age_days=max((now - s.stage_entered_at).days, 0),
                waiting=s.waiting,
                flags=s.flags,
                link=f"{link_base}groups/{s.group_id}",
            )
            for s in chosen
        ]
        sections.append(DigestSection(stage, STEP_TITLES[stage.value], lines))
    return sections
