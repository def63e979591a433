"""The local stack's wiring: moto for every AWS service but DynamoDB, DynamoDB Local for the
tables and their streams (kept on disk under .local/), the resources of template.yaml in
them, the organizer directory and the demo sign-in accounts seeded, and the threads that
drive the streams, queues and schedules into the template's functions. Functions run at
once, as Lambda runs them: each API request on its own thread, each stream shard's batches
one after another (in order), each queue's batches several at a time (QUEUE_CONCURRENCY)."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local import drivers, moto_speedups, parameters, schedules
from local.auth import Accounts
from local.backlog import Backlog
from local.backlog import for_stack as backlog_for
from local.dynamodb_local import DynamoDBLocal
from local.event_sources import EventSources
from local.gateway import Gateway
from local.lambda_runtime import environment, install_concurrent_invocations, invoke, preload
from local.provision import Stack, create_tables, provision
from local.sent_mail import SentMail
from local.template import ROOT, Physical, Resolver, load, resources_of_type

REGION = "us-east-1"  # moto's Cognito always issues tokens for us-east-1
# Streams and queues are polled every 0.2 s while there is work (for 5 s after a request or
# anything moved), else every second; an API request that may write (not GET, HEAD or OPTIONS),
# or a batch handed to a function, wakes every poller at once.
BUSY_POLL_SECONDS = 0.2
IDLE_POLL_SECONDS = 1.0
BUSY_FOR_SECONDS = 5.0
# A source that came back empty is asked again no sooner than this, even when woken: under
# load every batch wakes every poller, and an idle source (SES events' queue, which nothing
# fills locally) answered ~1 empty ReceiveMessage per form, each paid by three processes.
EMPTY_POLL_GAP_SECONDS = 0.1
RETRY_DELAY_SECONDS = 2  # a failed SQS message is received again after this long
SCHEDULE_TICK_SECONDS = 1.0  # schedules are checked this often
# moto's SES has no sending quota to stay under: the sender's pacing (SesMaxSendRate, AWS's
# sandbox default 14/s) would only slow the local stack's email. PARAMETERS can set it back.
LOCAL_SES_MAX_SEND_RATE = "1000"
# For the same reason the sender's batches need not be kept to 2 at once (the template's
# floor, which shares the account's SES rate): up to the local cap, QUEUE_CONCURRENCY (4).
LOCAL_SENDER_MAX_CONCURRENCY = str(drivers.QUEUE_CONCURRENCY)
STATE_DIR = ROOT / ".local"  # where `make invoke` finds a running stack
DATA_DIR = STATE_DIR / "data"  # the tables (DynamoDB Local's database) and stream positions


# Requests that write nothing a poller waits for: woken by one, the pollers' process would
# ask every stream and queue for records at once, on the cores answering the read. Anything
# a read did write (a rate-limit window) is seen at the next poll, within a second.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def may_write(event: dict[str, Any]) -> bool:
    """Whether an invocation may have put something on a stream or a queue: any but an API
    request that only reads."""
    method = _api_method(event)
    return not (method is not None and method in READ_METHODS)


def _api_method(event: dict[str, Any]) -> str | None:
    """The HTTP method of an API request's event (None: not an API request)."""
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    return method.upper() if isinstance(method, str) else None


def api_write(event: dict[str, Any]) -> bool:
    """Whether an invocation is an API request that may write (held while the queues are
    full: local/backlog.py)."""
    method = _api_method(event)
    return method is not None and method not in READ_METHODS


def stack_parameters(
    aws_endpoint_url: str, dynamodb_endpoint_url: str, overrides: dict[str, str], url: str | None = None
) -> dict[str, str]:
    """Template parameters of the local stack: the links in its emails (the founder's page,
    the organizer console, one-click unsubscribe) open on the stack at `url` rather than on
    the production site; then the developer's overrides (PARAMETERS); and its functions'
    clients pointed at its moto and its DynamoDB Local. The dev sign-in (POST /_local/login)
    uses USER_PASSWORD_AUTH, which AWS does not allow, and its demo accounts have no
    authenticator app: the local stack allows the one and does not require the other."""
    site: dict[str, str] = {
        "AllowPasswordAuth": "true",
        "RequireStaffMfa": "false",
        "SesMaxSendRate": LOCAL_SES_MAX_SEND_RATE,
        "SenderMaxConcurrency": LOCAL_SENDER_MAX_CONCURRENCY,
    }
    if url:
        base = url.rstrip("/")
        site |= {
            "FormOrigin": base,
            "PublicSiteUrl": f"{base}/",
            "OrganizerAppUrl": f"{base}/organizers/",
            "PublicApiUrl": f"{base}/",
        }
    return {**site, **overrides, "AwsEndpointUrl": aws_endpoint_url, "DynamoDBEndpointUrl": dynamodb_endpoint_url}


def use_aws_endpoint(url: str, dynamodb_url: str | None = None) -> None:
    """Point every AWS SDK client made from now on at `url` (DynamoDB and its streams at
    `dynamodb_url` when given), with fake credentials."""
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto and DynamoDB Local accept any credentials
        AWS_SESSION_TOKEN="local",  # noqa: S106
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    )
    if dynamodb_url:
        os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=dynamodb_url, AWS_ENDPOINT_URL_DYNAMODB_STREAMS=dynamodb_url)


def state_file(port: int) -> Path:
    return STATE_DIR / f"stack-{port}.json"


def env_file(port: int) -> Path:
    return STATE_DIR / f"env-{port}.json"


def sam_env_vars(stack: Stack) -> dict[str, dict[str, str]]:
    """The file for `sam local invoke --env-vars`: every function's template environment
    resolved against this stack's resources (AWS_ENDPOINT_URL: its moto;
    AWS_ENDPOINT_URL_DYNAMODB: its DynamoDB Local). SAM overrides only the variables the
    template declares, so the fake credentials and region go on the command line instead
    (docs/local-stack.md)."""
    return {logical: stack.environment(logical) for logical in stack.functions()}


def stack_from_spec(spec: dict[str, Any]) -> Stack:
    """The stack that LocalStack.spec() describes, its clients pointed at its moto and DynamoDB Local."""
    use_aws_endpoint(spec["aws_endpoint_url"], spec["dynamodb_endpoint_url"])
    import boto3

    physical = {k: Physical(v["ref"], v["attrs"]) for k, v in spec["physical"].items()}
    resolver = Resolver(
        load(),
        physical,
        region=spec["region"],
        account=spec["account"],
        stack_name=spec["stack_name"],
        parameters=spec["parameters"],
    )
    return Stack(resolver, boto3.Session(region_name=spec["region"]))


def data_dir() -> Path:
    """LOCAL_DATA_DIR, else .local/data: what a restart of the stack keeps."""
    return Path(os.environ.get("LOCAL_DATA_DIR") or DATA_DIR)


@dataclass
class LocalStack:
    """moto and DynamoDB Local with the template's resources, seeded, and what drives the
    template's functions."""

    aws_endpoint_url: str
    stack: Stack
    accounts: Accounts | None
    dynamodb_endpoint_url: str = ""
    data: Path | None = None  # DynamoDB Local's database and the stream positions
    gateway: Gateway | None = None
    pumps: list[drivers.StreamPump | drivers.QueuePump] = field(default_factory=list)
    scheduler: schedules.Scheduler | None = None
    timed_schedules: bool = field(default_factory=lambda: os.environ.get("LOCAL_TIMED_SCHEDULES", "on") != "off")
    sent_mail: SentMail = field(default_factory=SentMail)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _work: Waker = field(default_factory=lambda: Waker())
    event_sources: EventSources | None = None  # the process that runs the streams' and queues' batches
    backlog: Backlog | None = None  # holds the API's writes while the queues are full (the server's stack)
    _environments: dict[str, dict[str, str]] = field(default_factory=dict)  # each function's, resolved once
    _reporting: threading.Lock = field(default_factory=threading.Lock)
    _reported: dict[int, int] = field(default_factory=dict)  # id(pump) -> errors printed

    @classmethod
    def boot(
        cls,
        cleanup: ExitStack,
        *,
        overrides: dict[str, str] | None = None,
        data: Path | None = None,
        sources: EventSources | None = None,
        backlog: int = 0,
    ) -> LocalStack:
        """Start DynamoDB Local (its database in `data`, default data_dir()) and moto, create
        the template's resources in them (keeping the tables DynamoDB Local already has),
        seed them, import the handlers. `overrides`: template parameters (PARAMETERS);
        `sources`: the event-sources process, sent the stack as soon as its tables exist;
        `backlog`: how many messages its queues may hold before the API's writes wait
        (local/backlog.py; 0: no bound)."""
        from moto.server import ThreadedMotoServer

        overrides = parameters.check(overrides or {}, load())
        data = data or data_dir()
        # java starts while moto starts and the handlers are imported. Its C1-only start
        # (the default) measured 2.9 s here on 2 busy cores against 6.3 s with C2.
        dynamodb = DynamoDBLocal(
            db_path=data / "dynamodb",
            die_with_parent=True,
            log_path=data / "dynamodb-local.log",
        ).launch()
        cleanup.callback(dynamodb.stop)

        install_concurrent_invocations()
        moto_speedups.apply()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
        aws_port = int(os.environ.get("LOCAL_AWS_PORT", "0"))  # 0: a free port
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
        moto.start()
        cleanup.callback(moto.stop)
        host, port = moto.get_host_and_port()
        use_aws_endpoint(f"http://{host}:{port}", dynamodb.endpoint_url)

        import boto3

        from shared.storage.directory import load_directory
        from shared.storage.directory_file import parse_directory_file

        endpoint = os.environ["AWS_ENDPOINT_URL"]
        session = boto3.Session(region_name=REGION)
        url = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
        params = stack_parameters(endpoint, dynamodb.endpoint_url, overrides, url)
        stack = provision(session, stack_name="local", parameters=params, tables=False)
        directory = parse_directory_file((ROOT / "data" / "organizers.yaml").read_text())
        accounts = Accounts.of(stack)
        if accounts is not None:
            accounts.seed(directory.organizers)
        # The tables' names are known before DynamoDB Local answers: import the handlers now.
        for logical in resources_of_type(stack.template, "AWS::DynamoDB::Table"):
            stack.resolver.physical[logical] = Physical(f"{stack.resolver.stack_name}-{logical}", {})
        for function in stack.functions():
            preload(stack, function)

        dynamodb.wait()
        create_tables(stack.client("dynamodb"), stack.resolver, keep_existing=True)
        local = cls(endpoint, stack, accounts, dynamodb_endpoint_url=dynamodb.endpoint_url, data=data)
        if sources is not None:  # its pollers get built while the directory loads
            sources.send(local.spec())
        with environment({"TABLE_NAME": stack.name("GroupsTable")}):
            load_directory(directory)  # idempotent: a kept directory keeps its counts

        local._environments = {logical: stack.environment(logical) for logical in stack.functions()}
        local.gateway = Gateway.of(stack, endpoint)
        local.backlog = backlog_for(stack, backlog)
        local.scheduler = schedules.Scheduler(
            stack,
            schedules.schedules(stack),
            local.invoke,
            started=datetime.now(UTC),
            retry_delay=timedelta(seconds=RETRY_DELAY_SECONDS),
        )
        return local

    @classmethod
    def for_event_sources(cls, stack: Stack, data: Path) -> LocalStack:
        """The stack as the event-sources process runs it (local/event_sources.py): the
        handlers imported, a pump per stream and queue, the streams' positions in `data`."""
        local = cls(stack.resolver.parameter("AwsEndpointUrl"), stack, None, data=data)
        local._environments = {logical: stack.environment(logical) for logical in stack.functions()}
        for function in stack.functions():
            preload(stack, function)
        checkpoints = drivers.StreamCheckpoints(data / "stream-positions.json")
        local.pumps = drivers.pumps(stack, retry_delay_seconds=RETRY_DELAY_SECONDS, checkpoints=checkpoints)
        for pump in local.pumps:
            pump.invoker = local._invoke_batch
        return local

    def spec(self) -> dict[str, Any]:
        """What the event-sources process needs to run this stack's functions (stack_from_spec)."""
        resolver = self.stack.resolver
        return {
            "aws_endpoint_url": self.aws_endpoint_url,
            "dynamodb_endpoint_url": self.dynamodb_endpoint_url,
            "stack_name": resolver.stack_name,
            "region": resolver.region,
            "account": resolver.account,
            "parameters": resolver.parameters,
            "physical": {k: {"ref": v.ref, "attrs": v.attrs} for k, v in resolver.physical.items()},
            "data": str(self.data or data_dir()),
        }

    def wake(self) -> None:
        """Wake every poller at once, in this process and in the event-sources process."""
        self._work.wake()
        if self.event_sources is not None:
            self.event_sources.wake()

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """One invocation, on the caller's thread, beside any others running. An API request
        that may write waits first while the queues are full (local/backlog.py)."""
        if self.backlog is not None and api_write(event):
            self.backlog.room()
        try:
            return invoke(self.stack, function, event, self._environments.get(function))
        finally:
            if may_write(event):
                self.wake()  # what it wrote may be on a stream or a queue by now

    def _invoke_batch(self, stack: Stack, function: str, event: dict[str, Any]) -> Any:
        """A batch of a stream or a queue, with the function's environment resolved at boot."""
        return invoke(stack, function, event, self._environments.get(function))

    def _report(self, pump: drivers.StreamPump | drivers.QueuePump) -> None:
        """Print the errors of a pump not printed yet (each once, whichever thread saw it)."""
        with self._reporting:
            printed = self._reported.get(id(pump), 0)
            for error in pump.errors[printed:]:
                # The error's type only: its text may carry an address or a message.
                kind = error.split(":", 1)[0]
                print(f"[{pump.function}] failed, will retry: {kind}", file=sys.stderr, flush=True)
            self._reported[id(pump)] = len(pump.errors)

    def _guarded(self, pump: drivers.StreamPump | drivers.QueuePump, step: Callable[[], Any], failed: Any) -> Any:
        """step(), or `failed` when it raised (recorded as the pump's error); errors printed."""
        try:
            return step()
        except Exception as err:  # noqa: BLE001 - keep driving the other sources
            pump.errors.append(f"{type(err).__name__}: {err}")
            return failed
        finally:
            self._report(pump)

    def _handed_on(self) -> None:
        """A batch is done: stamp the emails it sent, and wake the pollers (what it wrote may
        be on another stream or queue now)."""
        self._batch_done()
        self._work.wake()

    def _batch_done(self) -> None:
        """A batch is done (here or in the event-sources process): stamp the emails it sent;
        what it took off its queue may let a held request go."""
        self.sent_mail.stamp()
        if self.backlog is not None:
            self.backlog.moved()

    def tick_schedules(self) -> int:
        """Fire the schedules that are due and retry failed runs; returns how many ran.
        LOCAL_TIMED_SCHEDULES=off leaves them to /_local/schedules/{name}/run alone (the
        tests: a run at the real clock's Monday 13:00 would add digests to their outbox)."""
        if not self.timed_schedules or self.scheduler is None:
            return 0
        try:
            return self.scheduler.tick(datetime.now(UTC))
        except Exception as err:  # noqa: BLE001 - keep the schedules and the pumps going
            from shared.log_safe import error_fields

            facts = error_fields(err)  # the type and place, never the text
            print(f"schedules failed, will retry: {facts['error_type']} at {facts['error_at']}", file=sys.stderr)
            return 0

    def _poll(self, step: Callable[[], int]) -> None:
        """Call step() until the stack stops: at once again while it moves something, every
        BUSY_POLL_SECONDS for BUSY_FOR_SECONDS after it moved something or was woken, else
        every IDLE_POLL_SECONDS; a wake() cuts any wait short, but not to less than
        EMPTY_POLL_GAP_SECONDS after a step that moved nothing."""
        busy_until = 0.0
        moved = 0
        came_back_empty = -EMPTY_POLL_GAP_SECONDS
        seen = self._work.generation
        while not self._stopping.is_set():
            woken = False
            if not moved:  # a step that handed something over is followed by another at once
                busy = time.monotonic() < busy_until
                now = self._work.wait(seen, BUSY_POLL_SECONDS if busy else IDLE_POLL_SECONDS)
                woken, seen = now != seen, now
                gap = came_back_empty + EMPTY_POLL_GAP_SECONDS - time.monotonic()
                if gap > 0:
                    self._stopping.wait(gap)
                if self._stopping.is_set():
                    break
            moved = step()
            if not moved:
                came_back_empty = time.monotonic()
            if moved or woken:
                busy_until = time.monotonic() + BUSY_FOR_SECONDS

    def _stream_step(self, pump: drivers.StreamPump) -> Callable[[], int]:
        """A stream's batches go to its function one after another, in the shard's order
        (Lambda's ParallelizationFactor 1)."""

        def step() -> int:
            moved = self._guarded(pump, pump.pump, 0)
            if moved:
                self._handed_on()
            return moved

        return step

    def _queue_step(self, pump: drivers.QueuePump, pool: ThreadPoolExecutor) -> Callable[[], int]:
        """A queue's poller receives a batch whenever one of its max_concurrency slots is
        free and hands it to the function on a worker thread, as Lambda's pollers do."""
        slots = threading.BoundedSemaphore(pump.max_concurrency)

        def deliver(messages: list[dict[str, Any]]) -> None:
            try:
                self._guarded(pump, lambda: pump.deliver(messages), 0)
                self._handed_on()
            finally:
                slots.release()

        def step() -> int:
            if not slots.acquire(timeout=IDLE_POLL_SECONDS):
                return 1  # every slot busy: the source has work; look again when one frees
            messages = self._guarded(pump, pump.receive, [])
            if not messages or self._stopping.is_set():
                slots.release()
                return 0
            pool.submit(deliver, messages)
            return len(messages)

        return step

    def _tick_loop(self) -> None:
        while not self._stopping.is_set():
            self.tick_schedules()
            self._stopping.wait(SCHEDULE_TICK_SECONDS)

    def start_pumps(self, cleanup: ExitStack, sources: EventSources) -> None:
        """The streams and queues in the event-sources process (started early by the caller,
        local/event_sources.py), the schedules on a thread of this one."""
        sources.start(self.spec(), self._batch_done)
        self.event_sources = sources
        ticking = threading.Thread(target=self._tick_loop, name="schedules", daemon=True)
        ticking.start()

        def stop() -> None:
            self._stopping.set()
            ticking.join(timeout=10)
            sources.stop()  # the batches in hand finish while moto and DynamoDB Local still run

        cleanup.callback(stop)

    def run_event_sources(self, cleanup: ExitStack) -> None:
        """A thread per stream and per queue event source (queues with a pool of workers for
        their concurrent batches): what the event-sources process runs."""
        threads: list[threading.Thread] = []
        pools: list[ThreadPoolExecutor] = []
        for pump in self.pumps:
            if isinstance(pump, drivers.QueuePump):
                pool = ThreadPoolExecutor(pump.max_concurrency, thread_name_prefix=f"{pump.function}-batch")
                pools.append(pool)
                step = self._queue_step(pump, pool)
            else:
                step = self._stream_step(pump)
            name = f"{pump.function}-{pump.event_name}"
            threads.append(threading.Thread(target=self._poll, args=(step,), name=name, daemon=True))
        for thread in threads:
            thread.start()

        def stop() -> None:
            self._stopping.set()
            self._work.wake()
            deadline = time.monotonic() + 10
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            for pool in pools:  # Ctrl-C waits for the batches in hand, not for the queues
                pool.shutdown(wait=True, cancel_futures=True)

        cleanup.callback(stop)


class Waker:
    """Wakes every poller at once: each waits for the generation to move past the one it saw."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.generation = 0

    def wake(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """The generation once it is past `seen`, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != seen, timeout)
            return self.generation


def forget(data: Path) -> None:
    """FRESH=1: start empty (the tables, and where the stream consumers stood)."""
    if data.exists():
        shutil.rmtree(data)
