"""The weekly digest's content: by stage in program order, oldest first, closed left out."""

from datetime import UTC, datetime, timedelta

from shared.domain.digest import GroupSummary, compose, iso_week
from shared.domain.stages import Stage

NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def summary(gid: str, stage: Stage, days_ago: int, **kw) -> GroupSummary:
    return GroupSummary(gid, f"Town {gid}, CA", stage, NOW - timedelta(days=days_ago), **kw)


def test_sections_follow_the_program_and_list_the_oldest_first():
    sections = compose(
        [summary("b", Stage.ORGANIZE_CORE, 3), summary("a", Stage.LEARN_MORE, 1), summary("c", Stage.ORGANIZE_CORE, 30),
         summary("z", Stage.CLOSED, 90)],
        NOW, "https://x.example/",
    )  # fmt: skip
    assert [s.stage for s in sections] == [Stage.LEARN_MORE, Stage.ORGANIZE_CORE]
    assert [line.group_id for line in sections[1].groups] == ["c", "b"]
    assert sections[1].groups[0].age_days == 30
    assert sections[1].title == "Step 2: Organize a Core"
    assert sections[0].groups[0].link == "https://x.example/groups/a"


def test_what_waits_and_what_is_late_are_carried_to_each_line():
    [section] = compose([summary("a", Stage.LEARN_MORE, 5, waiting=("conversation",),
                                 flags=("first contact overdue",))], NOW, "/")  # fmt: skip
    assert section.groups[0].waiting == ("conversation",)
    assert section.groups[0].flags == ("first contact overdue",)


def test_no_groups_no_sections():
    assert compose([summary("z", Stage.CLOSED, 1)], NOW, "/") == []


def test_iso_week_names_the_slot():
    assert iso_week(NOW) == "2026-W48"
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"
