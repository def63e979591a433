"""The local stack's event-sources processes, as their parent sees them: the template's
streams and queues drive its functions there, beside the process that answers HTTP
(local/server.py), as Lambda runs a stream's or a queue's invocations on instances of their
own: one process per stream or queue. In one process every form shared one interpreter lock
with the emails of the forms before it (a form's answer took 3x as long back to back as
alone: docs/performance.md); with the four sources in one second process, its lock kept the
machine at ~150 % of its 200 % while the emails fell behind.

The parent (`EventSources`) starts them before the stack boots, so that their imports
overlap the boot, sends each the stack (one JSON line on its stdin) as soon as the tables
exist, and when the rest of the boot is done waits for each to say it is ready. Afterwards
the parent writes a byte to their stdin whenever a request may have put something on a
stream or a queue (any but a GET, HEAD or OPTIONS), and their pollers wake at once; each
writes a line on its report pipe after every batch (the parent stamps the emails sent:
GET /_local/outbox's `sent_at`; lets a held request look at the queues again:
local/backlog.py; and wakes the others, since the batch may have written to their source).
When its stdin closes (the parent stopped, or died) each finishes the batches in hand and
exits. Their logs and errors go to the parent's stdout and stderr.

The process itself is local/pollers.py.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from typing import IO, Any

from local.template import ROOT

READY = b"ready\n"
BATCH = b"batch\n"
# Started before the stack boots: its imports (boto3, the handlers' libraries) take 1 to 3 s,
# which it spends while the parent starts moto and DynamoDB Local.
READY_TIMEOUT_SECONDS = 60
# One process per stream or queue, up to this many (the template has 4): more Python
# processes than that would only take turns on 2 cores.
MAX_PROCESSES = 6
STOP_TIMEOUT_SECONDS = 15  # it finishes the batches in hand (at most 10 s), then exits


class EventSources:
    """The parent's handle on the event-sources processes: one per stream or queue of the
    template (`parts`), so that no source's batches share an interpreter lock with another's."""

    def __init__(self, processes: list[subprocess.Popen[bytes]], reports: list[IO[bytes]]) -> None:
        self.processes = processes
        self.reports = reports
        self._wake_lock = threading.Lock()
        self.stopping = False
        self.sent = False

    @classmethod
    def spawn(cls, cleanup: ExitStack, parts: int = 1) -> EventSources:
        """`parts` processes (at most MAX_PROCESSES: each runs every parts-th source)."""
        parts = max(1, min(parts, MAX_PROCESSES))
        processes, reports = [], []
        for k in range(parts):
            read_end, write_end = os.pipe()
            processes.append(
                subprocess.Popen(  # noqa: S603 - this interpreter, our own module
                    [sys.executable, "-m", "local.pollers", str(write_end), f"{k}/{parts}"],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    pass_fds=(write_end,),
                    env=dict(os.environ),
                )
            )
            os.close(write_end)
            reports.append(os.fdopen(read_end, "rb"))
        sources = cls(processes, reports)
        cleanup.callback(sources.stop)
        return sources

    def send(self, spec: dict[str, Any]) -> None:
        """Send the stack (once its tables exist): the processes build their pollers meanwhile."""
        line = json.dumps(spec).encode() + b"\n"
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(line)
            process.stdin.flush()
        self.sent = True

    def start(self, spec: dict[str, Any], on_batch: Callable[[], None]) -> None:
        """Send the stack unless sent already, wait until every process's pollers run; then
        after each batch call on_batch and wake the others (what the batch wrote may be on
        their stream or queue now)."""
        if not self.sent:
            self.send(spec)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        waiting = dict(zip(self.reports, self.processes, strict=True))
        while waiting and time.monotonic() < deadline:
            ready, _, _ = select.select(list(waiting), [], [], 0.5)
            for reports in ready:
                line = reports.readline()
                while line == BATCH:  # batches replayed from a stream before it said ready
                    line = reports.readline()  # (read on: select cannot see what the buffer holds)
                process = waiting.pop(reports)
                if line != READY:
                    raise RuntimeError(f"an event-sources process stopped before it was ready (exit {process.poll()})")
            for process in waiting.values():
                if process.poll() is not None:
                    raise RuntimeError(f"an event-sources process exited with {process.returncode}")
        if waiting:
            raise TimeoutError(f"the event-sources processes were not ready in {READY_TIMEOUT_SECONDS} s")

        def follow(process: subprocess.Popen[bytes], reports: IO[bytes]) -> None:
            for line in reports:
                if line == BATCH:
                    on_batch()
                    self.wake(but=process)
            status = process.wait()
            if not self.stopping:  # it died under a running stack: say so rather than go quiet
                print(
                    f"An event-sources process stopped (exit {status}): streams and queues are no longer "
                    "all polled. Stop the stack (Ctrl-C) and start it again.",
                    file=sys.stderr,
                    flush=True,
                )

        for process, reports in zip(self.processes, self.reports, strict=True):
            threading.Thread(target=follow, args=(process, reports), name="event-sources-reports", daemon=True).start()

    def wake(self, but: subprocess.Popen[bytes] | None = None) -> None:
        """Tell their pollers to look now (a request, or another one's batch, may have written
        to a stream or a queue)."""
        with self._wake_lock:
            for process in self.processes:
                stdin = process.stdin
                if process is but or stdin is None or process.poll() is not None:
                    continue
                try:
                    stdin.write(b"w")
                    stdin.flush()
                except (BrokenPipeError, ValueError):
                    pass  # stopping: nothing more to wake

    def stop(self) -> None:
        """Close their stdin (each finishes the batches in hand and exits); kill any that does not."""
        self.stopping = True
        with self._wake_lock:
            for process in self.processes:
                if process.stdin is not None and not process.stdin.closed:
                    with suppress(BrokenPipeError):
                        process.stdin.close()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
