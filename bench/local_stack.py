"""How fast the local stack is for a developer: `make dev` from start to /_local/health,
and from POST /inquiries to both emails in /_local/outbox.

    .venv/bin/python -m bench.local_stack [--starts 3] [--submits 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from local.template import ROOT
from tests.local_server import LocalServer, free_port
from tests.pipeline import VALID_FORM


def make_dev_startup() -> float:
    """Seconds from running `make dev` to a 200 from /_local/health (then Ctrl-C)."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "-s", "dev"],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=ROOT,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, to send it Ctrl-C as a terminal does
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_local/health", timeout=1) as reply:  # noqa: S310
                    if reply.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(15)


def submit_to_emails(server: LocalServer) -> float:
    """Seconds from POST /inquiries to both of its emails being in the outbox, by the
    outbox's own sent_at (polling it often would slow the stack it measures)."""
    form = {**VALID_FORM, "email": f"bench-{uuid.uuid4().hex[:8]}@example.com"}
    started = datetime.now(UTC)
    assert server.call("POST", "/inquiries", form).status == 202
    emails = server.wait_for_emails_about(form["email"], count=2)
    assert len(emails) == 2
    return max((datetime.fromisoformat(e["sent_at"]) - started).total_seconds() for e in emails)


def summary(name: str, seconds: list[float]) -> str:
    return f"{name}: min {min(seconds):.2f} s, median {statistics.median(seconds):.2f} s (n={len(seconds)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--submits", type=int, default=5)
    args = parser.parse_args()

    print(summary("make dev -> ready", [make_dev_startup() for _ in range(args.starts)]))
    with tempfile.TemporaryDirectory() as logs:
        server = LocalServer.start(Path(logs))
        try:
            print(summary("POST /inquiries -> both emails", [submit_to_emails(server) for _ in range(args.submits)]))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
