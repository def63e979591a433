"""The local stack's backpressure: while its queues hold more than a bound, the API's writes
wait (a while) before their function runs.

In AWS the functions behind the queues scale out: an intake that answers 60 forms a second
has consumers that keep up, and each form's emails go out a second or two after its answer.
The local stack runs every consumer on the same 2 cores as the intake, and most of a
form's CPU is spent after its answer (its store, the stream, the bus, two emails:
docs/performance.md). Answering as fast as it could, the stack let 1,000 forms from 8
clients queue up: the last email went out 45 to 65 s after the last answer, and a founder
who wrote during a burst heard nothing for a minute. Bounded, the queues hold a few
seconds of work; the answers slow down instead, to the pace at which the stack can carry
a form to its emails, and every email still goes out within seconds of its answer.

What counts: the messages (waiting, in hand or waiting for a retry) of the queues that the
template's functions read, as the stack's moto holds them. A request waits at most
`max_wait` seconds: a consumer that is failing (its messages retried until they reach their
DLQ) slows the API's writes, never stops them. Reads never wait.

LOCAL_BACKLOG=N sets the bound (messages; 0 turns it off: the answers as fast as the cores
allow, the emails as late as the queues make them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping

from local.drivers import event_sources
from local.provision import Stack

# 60 messages: a form puts 1 to 3 on the queues on its way, so a few seconds of work at the
# ~14 forms a second the stack carries end to end (2 cores); one client posting back to
# back (60 forms, ~25 a second) is not held by it (40 held its last forms: p99 209-300 ms
# against ~100 ms). A soft bound: a batch that makes room lets every waiting request look,
# and they may all go before any of them has written.
DEFAULT_LIMIT = 60
MAX_WAIT_SECONDS = 2.0
RECHECK_SECONDS = 0.25  # a waiting request looks again this often even when no batch ends


class Backlog:
    """Admits an API write when the queues' depth is within `limit`, else once a batch has
    taken messages off them and it is, or after `max_wait` seconds."""

    def __init__(self, depth: Callable[[], int], limit: int, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.depth = depth
        self.limit = limit
        self.max_wait = max_wait
        self._moved = threading.Condition()
        self.waited = 0  # how many requests were held (the tests read it)

    def room(self) -> float:
        """Wait until the queues have room (or max_wait passed); the seconds waited."""
        if self.limit <= 0 or self.depth() <= self.limit:
            return 0.0
        started = time.monotonic()
        deadline = started + self.max_wait
        with self._moved:
            self.waited += 1
            while self.depth() > self.limit:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._moved.wait(min(left, RECHECK_SECONDS))
            self._moved.notify()  # the next one waiting looks too: the batch may have made room for several
        return time.monotonic() - started

    def moved(self) -> None:
        """A batch is done: what it took off a queue may have made room."""
        with self._moved:
            self._moved.notify()


class BacklogError(ValueError):
    """LOCAL_BACKLOG is not a whole number; the message says what it must be."""


def limit_from_environment(environ: Mapping[str, str]) -> int:
    """LOCAL_BACKLOG (messages; 0: off), else DEFAULT_LIMIT."""
    raw = (environ.get("LOCAL_BACKLOG") or "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdecimal():
        raise BacklogError(f"LOCAL_BACKLOG={raw} is not a number of messages: LOCAL_BACKLOG=0 turns the bound off.")
    return int(raw)


def for_stack(stack: Stack, limit: int) -> Backlog | None:
    """The bound on the queues `stack`'s functions read, as its moto (in this process) holds
    them; None when `limit` is 0 (no bound)."""
    if limit <= 0:
        return None
    queues = [props["Queue"].rsplit(":", 1)[-1] for _, _, props in event_sources(stack, "SQS")]
    return Backlog(moto_queue_depth(stack.resolver.account, stack.resolver.region, queues), limit)


def moto_queue_depth(account: str, region: str, queue_names: Iterable[str]) -> Callable[[], int]:
    """How many messages moto, in this process, holds in the named queues: visible, in hand
    and waiting for a retry alike (each queue's list of messages; O(1) a queue)."""
    from moto.sqs.models import sqs_backends

    names = tuple(queue_names)

    def depth() -> int:
        queues = sqs_backends[account][region].queues
        return sum(len(queue._messages) for name in names if (queue := queues.get(name)) is not None)  # noqa: SLF001

    return depth
