"""`make dev`: the whole system on one machine, without Docker or an AWS account.

moto, started in this process as a server on a free port, stands in for every AWS
service. The resources of template.yaml are created in it, the organizer directory and
the demo sign-in accounts are seeded, and then 127.0.0.1:$PORT (default 3000) serves
  - the HttpApi routes of template.yaml as API Gateway would: payload v2 events for
    their functions, invoked in-process, after the JWT authorizer's check where the
    template puts one;
  - the public form (web/) at /;
  - the dev-only /_local routes of DESIGN §6.
A background thread drives the template's DynamoDB streams and SQS queues into their
functions and fires its schedules at their times. Everything is read from template.yaml.
Never deployed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import mimetypes
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local import drivers, routes, schedules
from local.auth import Accounts, JwtVerifier, Unauthorized
from local.event_shapes import http_api_event
from local.lambda_runtime import environment, invoke, preload
from local.outbox import Outbox
from local.provision import Stack, provision
from local.template import ROOT
from shared.api.problems import PROBLEM_BASE, PROBLEM_TYPE
from shared.domain.clock import SCHEDULE_YEARS
from shared.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    MalformedRequest,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)

REGION = "us-east-1"  # moto's Cognito always issues tokens for us-east-1
# Streams and queues are polled every 0.2 s while there is work (for 5 s after a request or
# anything moved), else every second; an API request wakes the poller at once.
BUSY_POLL_SECONDS = 0.2
IDLE_POLL_SECONDS = 1.0
BUSY_FOR_SECONDS = 5.0
RETRY_DELAY_SECONDS = 2  # a failed SQS message is received again after this long
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
WEB = ROOT / "web"
STATE_DIR = ROOT / ".local"  # where `make invoke` finds a running stack
TEXT_TYPES = re.compile(r"^(text/|application/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded))")


def parameters(aws_endpoint_url: str) -> dict[str, str]:
    """Template parameters of the local stack: its functions' clients go to its moto."""
    # The dev sign-in (POST /_local/login) uses USER_PASSWORD_AUTH, which AWS does not allow,
    # and its demo accounts have no authenticator app.
    return {"AwsEndpointUrl": aws_endpoint_url, "AllowPasswordAuth": "true", "RequireStaffMfa": "false"}


def use_aws_endpoint(url: str) -> None:
    """Point every AWS SDK client made from now on at `url`, with fake credentials."""
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto accepts any credentials
        AWS_SESSION_TOKEN="local",  # noqa: S106
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )


def state_file(port: int) -> Path:
    return STATE_DIR / f"stack-{port}.json"


def env_file(port: int) -> Path:
    return STATE_DIR / f"env-{port}.json"


def sam_env_vars(stack: Stack) -> dict[str, dict[str, str]]:
    """The file for `sam local invoke --env-vars`: every function's template environment
    resolved against this stack's resources (AWS_ENDPOINT_URL: its moto). SAM overrides only
    the variables the template declares, so the fake credentials and region go on the
    command line instead (docs/local-stack.md)."""
    return {logical: stack.environment(logical) for logical in stack.functions()}


def wants_page(headers: dict[str, str]) -> bool:
    """A browser's navigation: it asks for HTML and sends no token."""
    return "text/html" in headers.get("accept", "") and "authorization" not in headers


def web_file(path: str, *, wants_page: bool) -> Path | None:
    """The file of web/ that serves `path`, if any: never outside web/, never a dotfile."""
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") or "\\" in p for p in parts):
        return None
    file = WEB.joinpath(*parts) if parts else WEB
    if file.is_dir():
        file = file / "index.html"
    if file.is_file():
        return file
    if wants_page and parts and (WEB / parts[0] / "index.html").is_file():
        return WEB / parts[0] / "index.html"
    return None


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, content_type: str = "application/json") -> Response:
        return cls(status, [("Content-Type", content_type)], json.dumps(payload, default=str).encode())


def _problem(status: int, slug: str, title: str, detail: str, **extensions: Any) -> Response:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extensions}
    return Response.json(status, body, PROBLEM_TYPE)


def problem(error: DomainError) -> Response:
    """The RFC 9457 problem of a domain error, as the API's own (shared/api/problems.py) would be."""
    return _problem(error.status, error.slug, error.title, error.detail, **error.extensions())


def internal_error(function: str) -> Response:
    traceback.print_exc()  # to the console; the client gets no details
    detail = f"{function} raised an error; see the local stack's console."
    return _problem(500, "internal-error", "Internal error", detail)


def not_ready() -> Response:
    response = _problem(503, "not-ready", "Not ready", "The local stack is starting (or stopping); try again shortly.")
    response.headers.append(("Retry-After", "1"))
    return response


class LengthRequired(DomainError):
    status, slug, title = 411, "length-required", "Length required"


def gateway_response(result: Any) -> Response:
    """What API Gateway makes of a function's result (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response.json(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    return Response(int(result["statusCode"]), headers, data)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names, repeated headers joined with commas
    body: bytes
    source_ip: str

    def json_object(self) -> dict[str, Any] | Response:
        """The body as a JSON object (an empty body is {}), or the problem that says why not."""
        try:
            payload = json.loads(self.body or b"{}")
        except ValueError:
            return problem(MalformedRequest("The request body is not valid JSON."))
        if not isinstance(payload, dict):
            return problem(MalformedRequest("The request body must be a JSON object."))
        return payload


def scheduled_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (UTC when it has no offset), or None when it is not one that
    a schedule can fire at: EventBridge's times start in 1970, and in UTC a time of year 1
    or 9999 may not exist at all (datetime cannot go below 0001-01-01T00:00Z)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return when if when.year in SCHEDULE_YEARS else None


@dataclass
class LocalStack:
    """moto with the template's resources, seeded, and what drives the template's functions."""

    aws_endpoint_url: str
    stack: Stack
    accounts: Accounts | None
    route_table: list[routes.Route] = field(default_factory=list)
    verifiers: dict[tuple[str | None, str], JwtVerifier] = field(default_factory=dict)
    pumps: list[drivers.StreamPump | drivers.QueuePump] = field(default_factory=list)
    scheduler: schedules.Scheduler | None = None
    timed_schedules: bool = field(default_factory=lambda: os.environ.get("LOCAL_TIMED_SCHEDULES", "on") != "off")
    outbox: Outbox = field(default_factory=Outbox)
    # One invocation at a time: a function's environment is this process's environment.
    _invoking: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _work: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def boot(cls, cleanup: ExitStack) -> LocalStack:
        """Start moto, create the template's resources in it, seed it, import the handlers."""
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
        aws_port = int(os.environ.get("LOCAL_AWS_PORT", "0"))  # 0: a free port
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
        moto.start()
        cleanup.callback(moto.stop)
        host, port = moto.get_host_and_port()
        use_aws_endpoint(f"http://{host}:{port}")

        import boto3

        from shared.storage.directory import load_directory
        from shared.storage.directory_file import parse_directory_file

        endpoint = os.environ["AWS_ENDPOINT_URL"]
        stack = provision(boto3.Session(region_name=REGION), stack_name="local", parameters=parameters(endpoint))
        directory = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
        with environment({"TABLE_NAME": stack.name("GroupsTable")}):
            load_directory(directory)
        accounts = Accounts.of(stack)
        if accounts is not None:
            accounts.seed(directory.organizers)
        for function in stack.functions():
            preload(stack, function)

        local = cls(endpoint, stack, accounts)
        local.route_table = routes.routes(stack.template)
        local.verifiers = {
            (r.api, r.authorizer): JwtVerifier(routes.jwt_authorizer(stack, r), local.aws_endpoint_url)
            for r in local.route_table
            if r.authorizer
        }
        local.pumps = drivers.pumps(stack, retry_delay_seconds=RETRY_DELAY_SECONDS)
        local.scheduler = schedules.Scheduler(
            stack,
            schedules.schedules(stack),
            local.invoke,
            started=datetime.now(UTC),
            retry_delay=timedelta(seconds=RETRY_DELAY_SECONDS),
        )
        return local

    # ------------------------------------------------------------------ functions

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        try:
            with self._invoking:
                return invoke(self.stack, function, event)
        finally:
            self._work.set()  # what it wrote may be on a stream or a queue by now

    def pump_once(self) -> int:
        """One round over every stream and queue, as Lambda's event source mappings poll;
        returns how many records and messages were handed to functions."""
        moved = 0
        with self._invoking:
            for pump in self.pumps:
                seen = len(pump.errors)
                try:
                    moved += pump.pump()
                except Exception as err:  # noqa: BLE001 - keep driving the other sources
                    pump.errors.append(f"{type(err).__name__}: {err}")
                for error in pump.errors[seen:]:
                    print(f"[{pump.function}] failed, will retry: {error}", file=sys.stderr, flush=True)
        self.outbox.stamp()
        return moved

    def tick_schedules(self) -> int:
        """Fire the schedules that are due and retry failed runs; returns how many ran.
        LOCAL_TIMED_SCHEDULES=off leaves them to /_local/schedules/{name}/run alone (the
        tests: a run at the real clock's Monday 13:00 would add digests to their outbox)."""
        if not self.timed_schedules:
            return 0
        try:
            return self.scheduler.tick(datetime.now(UTC))
        except Exception:  # noqa: BLE001 - keep the schedules and the pumps going
            traceback.print_exc()
            return 0

    def start_pumps(self, cleanup: ExitStack) -> None:
        def loop() -> None:
            busy_until = 0.0
            while not self._stopping.is_set():
                busy = time.monotonic() < busy_until
                woken = self._work.wait(BUSY_POLL_SECONDS if busy else IDLE_POLL_SECONDS)
                self._work.clear()
                if self.pump_once() + self.tick_schedules() or woken:
                    busy_until = time.monotonic() + BUSY_FOR_SECONDS

        thread = threading.Thread(target=loop, name="pumps", daemon=True)
        thread.start()

        def stop() -> None:
            self._stopping.set()
            self._work.set()
            thread.join(timeout=10)

        cleanup.callback(stop)

    # ------------------------------------------------------------------ HTTP

    def handle(self, request: Request) -> tuple[Response, str]:
        """The response, and what served it (for the console log)."""
        if request.path.startswith("/_local/"):
            return self.dev_route(request), "local"
        if request.method in ("GET", "HEAD"):
            static = self.static_file(request.path, wants_page=wants_page(request.headers))
            if static is not None:
                return static, "web"
        return self.api(request)

    def api(self, request: Request) -> tuple[Response, str]:
        found = routes.find(self.route_table, request.method, request.path)
        if found is None:
            detail = f"No route of template.yaml serves {request.method} {request.path}."
            return problem(NotFound(detail)), "-"
        route, params = found
        claims = None
        if route.authorizer is not None:
            try:
                claims = self.verifiers[route.api, route.authorizer].claims(request.headers)
            except Unauthorized as err:
                response = problem(NotAuthenticated(str(err)))
                response.headers.append(("WWW-Authenticate", "Bearer"))
                return response, route.authorizer
        content_type = request.headers.get("content-type", "")
        body: str | bytes | None = request.body or None
        if body is not None and TEXT_TYPES.match(content_type.lower()):
            # A body that is not text goes base64-encoded, as API Gateway sends it.
            with contextlib.suppress(UnicodeDecodeError):
                body = request.body.decode()
        query: dict[str, str] = {}
        for name, value in parse_qsl(request.query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        event = http_api_event(
            request.method,
            request.path,
            route_key=route.route_key,
            body=body,
            headers=request.headers,
            query=query,
            raw_query=request.query,
            path_parameters={k: unquote(v) for k, v in params.items()},
            source_ip=request.source_ip,
            claims=claims,
        )
        try:
            result = self.invoke(route.function, event)
        except Exception:  # noqa: BLE001 - Lambda reports a crash as an error; so do we
            return internal_error(route.function), route.function
        return gateway_response(result), route.function

    def static_file(self, path: str, *, wants_page: bool = False) -> Response | None:
        """web/ at /: a file by its path, or a page's index.html for its deep links.

        `/organizers/groups/<id>` and `/status` are views of pages (web/organizers/,
        web/status/) that route in the browser, so a navigation (a request that asks for
        HTML and carries no token) gets the page's index.html; an API call to the same
        path (`GET /status` with a bearer token) goes on to the API.
        """
        file = web_file(path, wants_page=wants_page)
        if file is None:
            return None
        data = file.read_bytes()
        if file.name == "index.html":
            data = re.sub(rb'(<meta name="api-base" content=")[^"]*"', rb'\1"', data)
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return Response(200, [("Content-Type", content_type), ("Cache-Control", "no-store")], data)

    # ------------------------------------------------------------------ /_local (DESIGN §6)

    def dev_route(self, request: Request) -> Response:
        path = request.path
        run = re.fullmatch(r"/_local/schedules/([^/]+)/run", path)
        if run:
            methods: dict[str, Callable[[], Response]] = {"POST": lambda: self.run_schedule(unquote(run[1]), request)}
        else:
            methods = {
                "/_local/health": {"GET": lambda: Response.json(200, {"status": "ready"})},
                "/_local/outbox": {"GET": lambda: Response.json(200, self.outbox.listing())},
                "/_local/login": {"POST": lambda: self.login(request)},
                "/_local/ses/events": {"POST": lambda: self.ses_event(request)},
                "/_local/schedules": {
                    "GET": lambda: Response.json(200, [self.schedule_listing(s) for s in self.scheduler.schedules])
                },
            }.get(path, {})
        if not methods:
            return problem(NotFound(f"The local stack has no route {path}."))
        if "GET" in methods:
            methods["HEAD"] = methods["GET"]  # the handler leaves the body out
        if request.method not in methods:
            response = problem(MethodNotAllowed(f"{path} answers {' and '.join(methods)} only."))
            response.headers.append(("Allow", ", ".join(methods)))
            return response
        return methods[request.method]()

    def login(self, request: Request) -> Response:
        payload = request.json_object()
        if isinstance(payload, Response):
            return payload
        email = payload.get("email")
        if not isinstance(email, str) or not email.strip():
            return problem(ValidationFailed([FieldError("email", "is required: the email of a seeded account")]))
        token = self.accounts.id_token(email) if self.accounts else None
        if token is None:
            detail = "No seeded organizer or admin has this email (see data/organizers.yaml, data/demo_accounts.yaml)."
            return problem(NotFound(detail))
        return Response.json(200, {"token": token})

    def ses_event(self, request: Request) -> Response:
        """What SES would report for an address, through the SES events function (local/ses_events.py)."""
        from local import ses_events

        payload = request.json_object()
        if isinstance(payload, Response):
            return payload
        try:
            event = ses_events.function_event(payload, self.stack.attr(ses_events.QUEUE, "Arn"))
        except ValidationFailed as err:
            return problem(err)
        try:
            result = self.invoke(ses_events.FUNCTION, event)
        except Exception:  # noqa: BLE001 - reported like any failed invocation
            return internal_error(ses_events.FUNCTION)
        return Response.json(200, result)

    def schedule_listing(self, schedule: schedules.Schedule) -> dict[str, Any]:
        """DESIGN §6's {"name", "schedule"}, plus where and when it fires next."""
        next_run = self.scheduler.next_time(schedule)
        return {
            "name": schedule.name,
            "schedule": schedule.expression,
            "timezone": schedule.timezone,
            "function": schedule.function,
            "next_run": next_run and schedules.iso(next_run),
        }

    def run_schedule(self, name: str, request: Request) -> Response:
        found = schedules.find(self.scheduler.schedules, name)
        if not found:
            return problem(NotFound(f"template.yaml has no schedule named {name}."))
        if len(found) > 1:
            names = ", ".join(s.qualified_name for s in found)
            return problem(Conflict(f"Several functions have a schedule named {name}: run one of {names}."))
        [schedule] = found
        payload = request.json_object()
        if isinstance(payload, Response):
            return payload
        when = scheduled_time(payload["time"]) if "time" in payload else datetime.now(UTC)
        if when is None:
            error = FieldError("time", "must be an ISO 8601 date-time from 1970 to 9999, like 2026-03-02T09:00:00Z")
            return problem(ValidationFailed([error]))
        try:
            result = self.invoke(schedule.function, schedule.event(when))
        except Exception:  # noqa: BLE001 - reported like any failed invocation
            return internal_error(schedule.function)
        return Response.json(200, result)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    local: LocalStack | None = None  # None until the stack is ready: every request gets a 503

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
        # Method, path and status only: bodies and query strings may carry personal data.
        elapsed = (time.monotonic() - started) * 1000
        print(f"{self.command} {url.path} {response.status} {served_by} {elapsed:.0f} ms", file=sys.stderr, flush=True)

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
        local = self.server.local
        if local is None:
            return not_ready(), "-"
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        return local.handle(Request(self.command, path, query, headers, body, self.client_address[0]))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: _serve logs each request its own way."""


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    started = time.monotonic()
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
        # Served from the start: until the stack is ready (3-6 s), every request, health
        # included, gets a 503 problem at once instead of waiting on an unanswered socket.
        serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True)
        serving.start()
        cleanup.callback(httpd.shutdown)
        try:
            local = LocalStack.boot(cleanup)
            local.start_pumps(cleanup)
            url = f"http://127.0.0.1:{port}"
            STATE_DIR.mkdir(exist_ok=True)
            state = {
                "pid": os.getpid(),
                "url": url,
                "aws_endpoint_url": local.aws_endpoint_url,
                "stack_name": local.stack.resolver.stack_name,
                "physical": {k: {"ref": v.ref, "attrs": v.attrs} for k, v in local.stack.resolver.physical.items()},
            }
            state_file(port).write_text(json.dumps(state, indent=2))
            cleanup.callback(state_file(port).unlink, missing_ok=True)
            env_file(port).write_text(json.dumps(sam_env_vars(local.stack), indent=2))
            cleanup.callback(env_file(port).unlink, missing_ok=True)
            httpd.local = local
            cleanup.callback(setattr, httpd, "local", None)  # first thing on the way out: 503s again
            print(
                f"Start a Group is running at {url}/ (ready in {time.monotonic() - started:.1f} s; "
                f"AWS services at {local.aws_endpoint_url}). Ctrl-C stops it.",
                flush=True,
            )
            while True:
                signal.pause()  # until Ctrl-C or SIGTERM raises KeyboardInterrupt here
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
