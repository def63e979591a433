"""The local stack's second process, as its parent sees it: the template's streams and queues drive its functions
here, beside the process that answers HTTP (local/server.py), as Lambda runs a stream's or
a queue's invocations on instances of their own. In one process every form shared one
interpreter lock with the emails of the forms before it (a form's answer took 3x as long
back to back as alone: docs/performance.md).

The parent (`EventSources`) starts it before the stack boots, so that its imports overlap
the boot, sends it the stack (one JSON line on its stdin) as soon as the tables exist, and
when the rest of the boot is done waits for it to say it is ready. Afterwards the parent
writes a byte to its stdin whenever a request may have put something on a stream or a
queue (any but a GET, HEAD or OPTIONS), and the pollers wake at once; it writes a line on
its report pipe after every batch (the parent stamps the emails sent: GET /_local/outbox's
`sent_at`; and lets a request held by local/backlog.py look at the queues again). When its
stdin closes (the parent stopped, or died) it finishes the batches in hand and exits. Its
logs and errors go to the parent's stdout and stderr.

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
STOP_TIMEOUT_SECONDS = 15  # it finishes the batches in hand (at most 10 s), then exits


class EventSources:
    """The parent's handle on the event-sources process."""

    def __init__(self, process: subprocess.Popen[bytes], reports: IO[bytes]) -> None:
        self.process = process
        self.reports = reports
        self._wake_lock = threading.Lock()
        self.stopping = False
        self.sent = False

    @classmethod
    def spawn(cls, cleanup: ExitStack) -> EventSources:
        read_end, write_end = os.pipe()
        process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
            [sys.executable, "-m", "local.pollers", str(write_end)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
            env=dict(os.environ),
        )
        os.close(write_end)
        sources = cls(process, os.fdopen(read_end, "rb"))
        cleanup.callback(sources.stop)
        return sources

    def send(self, spec: dict[str, Any]) -> None:
        """Send the stack (once its tables exist): the process builds its pollers meanwhile."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(spec).encode() + b"\n")
        self.process.stdin.flush()
        self.sent = True

    def start(self, spec: dict[str, Any], on_batch: Callable[[], None]) -> None:
        """Send the stack unless sent already, wait until its pollers run; then call on_batch
        after each batch."""
        if not self.sent:
            self.send(spec)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.reports], [], [], 0.5)
            if ready:
                line = self.reports.readline()
                while line == BATCH:  # batches replayed from a stream before it said ready
                    line = self.reports.readline()  # (read on: select cannot see what the buffer holds)
                if line == READY:
                    break
                raise RuntimeError(
                    f"the event-sources process stopped before it was ready (exit {self.process.poll()})"
                )
            if self.process.poll() is not None:
                raise RuntimeError(f"the event-sources process exited with {self.process.returncode}")
        else:
            raise TimeoutError(f"the event-sources process was not ready in {READY_TIMEOUT_SECONDS} s")

        def follow() -> None:
            for line in self.reports:
                if line == BATCH:
                    on_batch()
            status = self.process.wait()
            if not self.stopping:  # it died under a running stack: say so rather than go quiet
                print(
                    f"The event-sources process stopped (exit {status}): streams and queues are no longer "
                    "polled. Stop the stack (Ctrl-C) and start it again.",
                    file=sys.stderr,
                    flush=True,
                )

        threading.Thread(target=follow, name="event-sources-reports", daemon=True).start()

    def wake(self) -> None:
        """Tell its pollers to look now (a request may have written to a stream or a queue)."""
        stdin = self.process.stdin
        if stdin is None or self.process.poll() is not None:
            return
        with self._wake_lock:
            try:
                stdin.write(b"w")
                stdin.flush()
            except (BrokenPipeError, ValueError):
                pass  # stopping: nothing more to wake

    def stop(self) -> None:
        """Close its stdin (it finishes the batches in hand and exits); kill it if it does not."""
        self.stopping = True
        with self._wake_lock:
            if self.process.stdin is not None and not self.process.stdin.closed:
                with suppress(BrokenPipeError):
                    self.process.stdin.close()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
