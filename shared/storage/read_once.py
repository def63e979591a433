"""Reads made once within a block: what one event's handling reads twice, read once."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_read: ContextVar[dict[Hashable, Any] | None] = ContextVar("read_once", default=None)


@contextmanager
def reads_once() -> Iterator[None]:
    """Within the block an item read by `once` is read from the table the first time only
    (a block inside another shares the outer one's reads). For a short unit of work that
    reads an item again without having written it: an event's email planner, the founder's
    filter and the mark that its emails went out."""
    if _read.get() is not None:
        yield
        return
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def once(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or what it gave the first time within the current reads_once block."""
    done = _read.get()
    if done is None:
        return read()
    if key not in done:
        done[key] = read()
    return done[key]
