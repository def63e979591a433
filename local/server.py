"""`make dev`: the whole system on one machine, without Docker or an AWS account.

The HTTP front of the local stack on 127.0.0.1:$PORT (default 3000). It serves
  - the HttpApi routes of template.yaml as API Gateway would (local/gateway.py);
  - the pages of web/ (local/pages.py);
  - the dev-only /_local routes of DESIGN §6 (local/dev_routes.py);
in front of the stack that local/stack.py wires together: moto, DynamoDB Local with the
tables kept under .local/ (FRESH=1 starts empty), the template's resources, and what drives
its streams, queues and schedules. PARAMETERS="Name=Value ..." overrides template
parameters as `sam --parameter-overrides` does. SEED=demo plays `make demo`'s pilot into
it once it is ready (once per data directory). LOCAL_BACKLOG bounds what its queues may
hold before the API's writes wait (local/backlog.py). Never deployed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local import dev_routes, pages, parameters
from local.backlog import BacklogError, limit_from_environment
from local.event_sources import EventSources
from local.gateway import LengthRequired, Request, Response, not_ready, problem
from local.stack import STATE_DIR, LocalStack, data_dir, env_file, forget, sam_env_vars, state_file
from local.template import load
from shared.domain.errors import FieldError, MalformedRequest, PayloadTooLarge, ValidationFailed

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# Dev-only: the time API Gateway would stamp on the request (requestContext.timeEpoch), for
# `make demo` to replay a pilot's past. A deployed API Gateway stamps its own time.
REQUEST_TIME_HEADER = "x-local-request-time"


def request_time(headers: dict[str, str]) -> datetime | None | Response:
    """The time asked for in X-Local-Request-Time (ISO 8601, UTC without an offset), None
    without the header, or the problem when it is not a time."""
    value = headers.get(REQUEST_TIME_HEADER)
    if value is None:
        return None
    when = dev_routes.scheduled_time(value)
    if when is None:
        error = FieldError("X-Local-Request-Time", "must be an ISO 8601 date-time, like 2026-03-02T09:00:00Z")
        return problem(ValidationFailed([error]))
    return when.astimezone(UTC)


@dataclass
class Site:
    """What answers each request: /_local routes, then pages, then the API."""

    local: LocalStack

    def handle(self, request: Request) -> tuple[Response, str]:
        """The response, and what served it (for the console log)."""
        if request.path.startswith("/_local/"):
            return dev_routes.handle(self.local, request), "local"
        if request.method in ("GET", "HEAD"):
            static = pages.static_file(request.path, wants_page=pages.wants_page(request.headers))
            if static is not None:
                return static, "web"
        received = request_time(request.headers)
        if isinstance(received, Response):
            return received, "-"
        if received is not None:
            headers = {k: v for k, v in request.headers.items() if k != REQUEST_TIME_HEADER}
            request = Request(request.method, request.path, request.query, headers, request.body, request.source_ip)
        assert self.local.gateway is not None
        return self.local.gateway.handle(request, self.local.invoke, received)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog: socketserver's default of 5 refused connections when 200 forms
    # came at once (bench/local_scale.py); the kernel caps it at net.core.somaxconn.
    request_queue_size = 1024
    site: Site | None = None  # None until the stack is ready: every request gets a 503

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up first (a probe that gave up, a closed tab): nothing is wrong here
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        response, served_by = self._respond(url.path, url.query)
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        # Method, path and status only: bodies and query strings may carry personal data, and
        # a one-click unsubscribe path its token.
        elapsed = (time.monotonic() - started) * 1000
        line = f"{self.command} {loggable_path(url.path)} {response.status} {served_by} {elapsed:.0f} ms"
        print(line, file=sys.stderr, flush=True)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def _respond(self, path: str, query: str) -> tuple[Response, str]:
        # A body whose end is unknown cannot be skipped: after refusing it, the connection closes.
        if self.headers.get("Transfer-Encoding"):
            # Every client of the stack (browsers, curl -d, SDKs) sends a Content-Length for
            # a JSON body; decoding chunks would be code for no one, so ask for a length.
            self.close_connection = True
            return problem(LengthRequired("Send the body with a Content-Length, not chunked.")), "-"
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if len(lengths) > 1 or not all(value.isdigit() and value.isascii() for value in lengths):
            self.close_connection = True
            return problem(MalformedRequest("Content-Length must be one number of bytes.")), "-"
        length = int(lengths.pop()) if lengths else 0
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return problem(PayloadTooLarge("The request body is over 10 MB.")), "-"
        body = self.rfile.read(length)
        site = self.server.site
        if site is None:
            return not_ready(), "-"
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        return site.handle(Request(self.command, path, query, headers, body, self.client_address[0]))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: _serve logs each request its own way."""


_TOKEN_IN_PATH = re.compile(r"(/status/unsubscribe/)[^/]+")


def loggable_path(path: str) -> str:
    """The path as the request log prints it: a token in it (the one-click unsubscribe URL,
    /status/unsubscribe/<token>, with or without /api) as {token}."""
    return _TOKEN_IN_PATH.sub(r"\1{token}", path)


SEEDS = ("demo",)
SEEDED_MARK = "seeded-{seed}"  # in the data directory: that seed was played into these tables


class SeedError(ValueError):
    pass


def seed_from_environment(environ: Any) -> str | None:
    """SEED (only `demo`), or None; anything else is refused before the stack starts."""
    seed = (environ.get("SEED") or "").strip()
    if not seed:
        return None
    if seed not in SEEDS:
        raise SeedError(f"SEED={seed} is not a seed of the local stack: SEED=demo plays `make demo`'s pilot.")
    return seed


def play_seed(seed: str, url: str, data: Path, cleanup: ExitStack) -> threading.Thread | None:
    """SEED=demo: `make demo` against this stack in a process of its own (through the API,
    as a developer would run it), once per data directory: kept tables that already hold
    the pilot are not given it twice (its people would write in again as repeats)."""
    mark = data / SEEDED_MARK.format(seed=seed)
    if mark.exists():
        print(f"SEED={seed}: these tables hold the {seed} pilot already (FRESH=1 plays it again).", flush=True)
        return None
    argv = [sys.executable, "-m", "local.demo", "--url", url]
    if os.environ.get("DEMO_GROUPS"):  # `make dev SEED=demo GROUPS=50` (bash keeps GROUPS for itself)
        argv += ["--groups", os.environ["DEMO_GROUPS"]]
    process = subprocess.Popen(argv)  # noqa: S603 - this interpreter, our own module

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
        process.wait(10)

    cleanup.callback(stop)

    def wait() -> None:
        if process.wait() == 0:
            mark.write_text(datetime.now(UTC).isoformat() + "\n")

    watcher = threading.Thread(target=wait, name=f"seed-{seed}", daemon=True)
    watcher.start()
    return watcher


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    started = time.monotonic()
    try:
        overrides = parameters.from_environment(os.environ, load())
        seed = seed_from_environment(os.environ)
        backlog = limit_from_environment(os.environ)
    except (parameters.ParameterError, SeedError, BacklogError) as err:
        print(err, file=sys.stderr)
        return 2
    data = data_dir()
    if os.environ.get("FRESH") not in (None, "", "0"):
        forget(data)
    # Ctrl-C and SIGTERM both stop it, even when started with SIGINT ignored (in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    with ExitStack() as cleanup:
        try:
            httpd = Server(("127.0.0.1", port), Handler)
        except OSError as err:
            print(f"Cannot listen on 127.0.0.1:{port} ({err.strerror}): set PORT to a free port.", file=sys.stderr)
            return 1
        cleanup.callback(httpd.server_close)
        # Served from the start: until the stack is ready (3-8 s), every request, health
        # included, gets a 503 problem at once instead of waiting on an unanswered socket.
        serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True)
        serving.start()
        cleanup.callback(httpd.shutdown)
        try:
            sources = EventSources.spawn(cleanup)  # its imports overlap the boot
            local = LocalStack.boot(cleanup, overrides=overrides, data=data, sources=sources, backlog=backlog)
            local.start_pumps(cleanup, sources)
            url = f"http://127.0.0.1:{port}"
            STATE_DIR.mkdir(exist_ok=True)
            state = {
                "pid": os.getpid(),
                "url": url,
                "aws_endpoint_url": local.aws_endpoint_url,
                "dynamodb_endpoint_url": local.dynamodb_endpoint_url,
                "parameters": overrides,
                "stack_name": local.stack.resolver.stack_name,
                "physical": {k: {"ref": v.ref, "attrs": v.attrs} for k, v in local.stack.resolver.physical.items()},
            }
            state_file(port).write_text(json.dumps(state, indent=2))
            cleanup.callback(state_file(port).unlink, missing_ok=True)
            env_file(port).write_text(json.dumps(sam_env_vars(local.stack), indent=2))
            cleanup.callback(env_file(port).unlink, missing_ok=True)
            httpd.site = Site(local)
            cleanup.callback(setattr, httpd, "site", None)  # first thing on the way out: 503s again
            print(
                f"Start a Group is running at {url}/ (ready in {time.monotonic() - started:.1f} s; "
                f"AWS services at {local.aws_endpoint_url}, DynamoDB Local at {local.dynamodb_endpoint_url}, "
                f"data in {data}). Ctrl-C stops it.",
                flush=True,
            )
            if seed is not None:
                play_seed(seed, url, data, cleanup)
            # Until Ctrl-C or SIGTERM raises KeyboardInterrupt here. Not signal.pause(): the
            # kernel may deliver the signal to another thread, and pause() in this one then
            # never returns (a stack that ignored Ctrl-C); the handler runs at the next wake.
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("Stopping the local stack.", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    status = main()
    # Everything this process started is stopped by now; skip the interpreter's teardown,
    # which spends seconds freeing moto's and botocore's objects one by one.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
