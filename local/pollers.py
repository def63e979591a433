"""The local stack's event-sources process (started by local/event_sources.py, never by
hand): the template's streams and queues drive its functions here, one poller thread per
event source, as local/stack.py's LocalStack.run_event_sources does. It reads the stack
from the first line of its stdin, says `ready` on its report pipe, then a line after every
batch; a byte on stdin wakes its pollers; the end of stdin stops it.

    python -m local.pollers <report fd>
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import IO

# What every handler imports, imported at once: the parent boots the stack meanwhile.
import boto3  # noqa: F401
import pynamodb.models  # noqa: F401
from aws_lambda_powertools import Logger  # noqa: F401

from local.event_sources import BATCH, READY
from local.lambda_runtime import install_concurrent_invocations
from local.stack import LocalStack, stack_from_spec


class _Reports:
    """What the child tells the parent: a line after each batch (in place of SentMail.stamp)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self._lock = threading.Lock()

    def stamp(self) -> int:
        with self._lock:
            try:
                self.out.write(BATCH)
                self.out.flush()
            except (BrokenPipeError, ValueError):
                pass  # the parent is gone: stdin's end stops this process
        return 0


def main(argv: list[str]) -> int:
    # Ctrl-C in a terminal reaches the whole process group: this process stops when the
    # parent closes its stdin, after the parent has stopped answering.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The streams' and queues' work is background work: on a loaded machine the API's
    # answers (the server process) and DynamoDB Local go first, as they would on their own
    # hardware in AWS.
    os.nice(5)
    reports = os.fdopen(int(argv[0]), "wb")
    line = sys.stdin.buffer.readline()
    if not line:
        return 0  # the parent stopped before the stack was up
    spec = json.loads(line)
    install_concurrent_invocations()
    local = LocalStack.for_event_sources(stack_from_spec(spec), Path(spec["data"]))
    local.sent_mail = _Reports(reports)  # type: ignore[assignment]
    with ExitStack() as cleanup:
        local.run_event_sources(cleanup)
        reports.write(READY)
        reports.flush()
        while os.read(0, 4096):  # a byte per wake; b"" when the parent closed our stdin
            local.wake()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # as local/server.py: skip freeing botocore's objects one by one
