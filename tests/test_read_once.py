"""shared/storage/read_once.py: within a block an item is read once; outside, every time."""

from __future__ import annotations

from shared.storage.read_once import once, reads_once


def test_a_read_is_made_once_within_a_block_and_every_time_outside_one() -> None:
    reads: list[str] = []

    def read(name: str) -> str:
        reads.append(name)
        return name.upper()

    assert once("a", lambda: read("a")) == "A"
    assert once("a", lambda: read("a")) == "A"
    with reads_once():
        assert [once("a", lambda: read("a")) for _ in range(3)] == ["A"] * 3
        assert once("b", lambda: read("b")) == "B"
        with reads_once():  # an inner block shares the outer one's reads
            assert once("b", lambda: read("b")) == "B"
    assert once("a", lambda: read("a")) == "A"  # the block is over: read again

    assert reads == ["a", "a", "a", "b", "a"]


def test_nothing_found_is_remembered_too() -> None:
    reads: list[int] = []
    with reads_once():
        for _ in range(2):
            assert once(("group", "gone"), lambda: reads.append(1)) is None
    assert reads == [1]
