"""The local stack as the tests see it: `python -m local.server` in a subprocess on a free
port, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.stack import state_file
from local.template import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def probe_failure(err: OSError) -> str:
    """Why a request got no HTTP answer: "refused" (nothing listening yet), "timeout" (an
    answer that never came), or the error's name."""
    reason = getattr(err, "reason", err)
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, TimeoutError):
        return "timeout"
    return type(reason).__name__


@dataclass
class LocalServer:
    process: subprocess.Popen
    port: int
    log: Path
    boot_probes: list[int | str] = field(default_factory=list)  # what each health probe got while it started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, log_dir: Path, timeout: float = 60, *, data_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> LocalServer:
        """`make dev` on a free port, its data in `data_dir` (default: a new one in
        `log_dir`, so each server starts empty); `env`: more environment (PARAMETERS, FRESH)."""
        port = free_port()
        log = log_dir / f"local-server-{port}.log"
        data = data_dir or log_dir / f"data-{port}"
        with log.open("wb") as out:  # a file, not a pipe: nobody has to drain it
            process = subprocess.Popen(
                [sys.executable, "-m", "local.server"],
                cwd=ROOT,
                env={
                    **os.environ,
                    "PORT": str(port),
                    "LOCAL_TIMED_SCHEDULES": "off",
                    "LOCAL_DATA_DIR": str(data),
                    **(env or {}),
                },
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = cls(process, port, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the local stack exited with {process.returncode}:\n{server.log_tail()}")
            try:
                status = server.call("GET", "/_local/health", timeout=2).status
            except OSError as err:
                server.boot_probes.append(probe_failure(err))
            else:
                server.boot_probes.append(status)
                if status == 200:
                    return server
            time.sleep(0.1)
        server.stop()
        raise TimeoutError(f"the local stack was not ready in {timeout} s:\n{server.log_tail()}")

    def state(self) -> dict[str, Any]:
        """What the server wrote for `make invoke`: its AWS endpoint and physical ids."""
        return json.loads(state_file(self.port).read_text())

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> Reply:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1 only
                status, raw, reply_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as err:
            status, raw, reply_headers = err.code, err.read(), err.headers
        text = raw.decode()
        is_json = "json" in (reply_headers.get("Content-Type") or "")
        return Reply(status, {k.lower(): v for k, v in reply_headers.items()}, json.loads(text) if is_json else text)

    def wait_for_emails(self, predicate: Any, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        """The outbox's emails that satisfy `predicate`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            emails = [e for e in self.call("GET", "/_local/outbox").body if predicate(e)]
            if len(emails) >= count or time.monotonic() > deadline:
                return emails
            time.sleep(0.1)

    def wait_for_emails_about(self, address: str, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        """The outbox's emails to `address` or showing it (as shown: inert, with the word
        joiners of shared/mail/rendering.py), once there are `count` of them."""
        return self.wait_for_emails(
            lambda e: address in e["to"] or address in e["body"].replace("\u2060", ""), count, timeout
        )

    def group_id_of(self, address: str, timeout: float = 5) -> str:
        """The group an applicant's form made, from its organizer email's link (the form's
        answer never names it: DESIGN §2)."""
        import re

        for email in self.wait_for_emails_about(address, count=2, timeout=timeout):
            found = re.search(r"/groups/([0-9a-f-]{36})", email["body"])
            if found and address not in email["to"]:
                return found.group(1)
        raise AssertionError(f"no organizer email with a group link about {address}")

    def stop(self, signal_number: int = signal.SIGINT, timeout: float = 15) -> int:
        """Ctrl-C (SIGINT) by default; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
