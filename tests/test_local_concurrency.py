"""The local stack runs functions at once, as Lambda does: each invocation with its own
function's environment, a queue's batches up to its concurrency, and SEED=demo."""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import ExitStack
from types import SimpleNamespace

import pytest

from local import lambda_runtime, server
from local.event_shapes import http_api_event
from local.stack import LocalStack


@pytest.fixture
def per_invocation_environ(monkeypatch):
    environ = lambda_runtime.InvocationEnviron(os.environ)
    monkeypatch.setattr(os, "environ", environ)
    return environ


def test_concurrent_invocations_each_see_their_own_functions_environment(per_invocation_environ):
    both_inside = threading.Barrier(2, timeout=10)
    seen: dict[str, tuple[str | None, str | None]] = {}

    def run(function: str, variables: dict[str, str]) -> None:
        with lambda_runtime.environment(variables):
            both_inside.wait()  # both overlays are in place at the same time
            os.environ["SET_INSIDE"] = function  # a handler's own write stays its own
            both_inside.wait()
            seen[function] = (os.environ.get("RATE_LIMIT_PER_HOUR"), os.environ.get("SET_INSIDE"))
            seen[function + " other"] = (os.getenv("EVENT_BUS_NAME"), None)

    threads = [
        threading.Thread(target=run, args=("Intake", {"RATE_LIMIT_PER_HOUR": "20"})),
        threading.Thread(target=run, args=("Outbox", {"EVENT_BUS_NAME": "local-events"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert seen["Intake"] == ("20", "Intake")
    assert seen["Outbox"] == (None, "Outbox")  # the intake's variable is not the outbox's
    assert seen["Intake other"] == (None, None)
    assert seen["Outbox other"] == ("local-events", None)
    assert "SET_INSIDE" not in os.environ
    assert "RATE_LIMIT_PER_HOUR" not in os.environ


def test_outside_an_invocation_the_environment_is_the_process_one(per_invocation_environ):
    per_invocation_environ["LOCAL_TEST_VARIABLE"] = "kept"
    try:
        with lambda_runtime.environment({"LOCAL_TEST_VARIABLE": "inside"}):
            assert os.environ["LOCAL_TEST_VARIABLE"] == "inside"
            del os.environ["LOCAL_TEST_VARIABLE"]
            assert "LOCAL_TEST_VARIABLE" not in os.environ
            assert "LOCAL_TEST_VARIABLE" not in dict(os.environ)
        assert os.environ["LOCAL_TEST_VARIABLE"] == "kept"
        assert per_invocation_environ.process["LOCAL_TEST_VARIABLE"] == "kept"
    finally:
        del per_invocation_environ["LOCAL_TEST_VARIABLE"]


class SlowQueue:
    """A queue source whose batches each take a while in the function."""

    function, event_name, max_concurrency = "EmailSenderFunction", "EmailEvents", 2

    def __init__(self, batches: int) -> None:
        self.waiting = [[{"MessageId": str(n)}] for n in range(batches)]
        self.errors: list[str] = []
        self.running = self.most = self.delivered = 0
        self.lock = threading.Lock()

    def receive(self) -> list[dict]:
        with self.lock:
            return self.waiting.pop(0) if self.waiting else []

    def deliver(self, messages: list[dict]) -> int:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self.lock:
            self.running -= 1
            self.delivered += 1
        return len(messages)


def test_a_queue_has_up_to_its_concurrency_of_batches_in_its_function_at_once():
    from concurrent.futures import ThreadPoolExecutor

    local = LocalStack("", None, None)  # type: ignore[arg-type]
    local.sent_mail = SimpleNamespace(stamp=lambda: 0)  # type: ignore[assignment]
    queue = SlowQueue(batches=6)
    with ThreadPoolExecutor(4) as pool:
        step = local._queue_step(queue, pool)  # type: ignore[arg-type]
        started = time.monotonic()
        while queue.delivered < 6 and time.monotonic() - started < 10:
            if not step():
                time.sleep(0.01)
    assert queue.delivered == 6
    assert queue.most == 2  # the source's MaximumConcurrency, not one at a time, not more


def test_seed_accepts_demo_and_refuses_anything_else_by_name():
    assert server.seed_from_environment({}) is None
    assert server.seed_from_environment({"SEED": "demo"}) == "demo"
    with pytest.raises(server.SeedError, match="SEED=pilot is not a seed"):
        server.seed_from_environment({"SEED": "pilot"})


def test_seed_is_not_played_twice_into_the_same_tables(tmp_path, capsys, monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(server.subprocess, "Popen", lambda argv: started.append(argv))
    (tmp_path / "seeded-demo").write_text("2026-12-02T10:00:00+00:00\n")

    with ExitStack() as cleanup:
        assert server.play_seed("demo", "http://127.0.0.1:3000", tmp_path, cleanup) is None

    assert started == []
    assert "hold the demo pilot already" in capsys.readouterr().out


def test_concurrent_invocations_log_their_own_function_and_request():
    import logging

    from aws_lambda_powertools import Logger

    lambda_runtime.install_concurrent_invocations()
    logger = Logger(service="local-concurrency-test")
    both_inside = threading.Barrier(2, timeout=10)
    printed: dict[str, dict] = {}

    def run(function: str) -> None:
        logger.append_keys(function_name=function)
        both_inside.wait()  # both have appended their keys before either logs
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "done", None, None)
        printed[function] = json.loads(logger.registered_formatter.format(record))

    threads = [threading.Thread(target=run, args=(name,)) for name in ("local-Groups", "local-Outbox")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert printed["local-Groups"]["function_name"] == "local-Groups"
    assert printed["local-Outbox"]["function_name"] == "local-Outbox"
    assert printed["local-Outbox"]["service"] == "local-concurrency-test"


def test_concurrent_invocations_flush_their_own_metrics(capsys):
    # Powertools' Metrics share one set per process: the intake, answering 8 clients at once,
    # flushed another request's metric with its own, and now and then raised on a set another
    # flush had emptied under it (a 500).
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    lambda_runtime.install_concurrent_invocations()
    metrics = Metrics(namespace="LocalConcurrencyTest", service="local-concurrency-test")
    metrics.set_default_dimensions(stack="local")
    both_added = threading.Barrier(2, timeout=10)
    first_flushed = threading.Event()

    def run(name: str, first: bool) -> None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        both_added.wait()  # both metrics are added before either invocation flushes
        if not first:
            first_flushed.wait(timeout=10)
        metrics.flush_metrics(raise_on_empty_metrics=True)
        first_flushed.set()

    threads = [threading.Thread(target=run, args=(name, name == "Accepted")) for name in ("Accepted", "Stored")]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:  # the default dimensions are Powertools' own, process-wide: none left to later tests
        metrics.clear_default_dimensions()
        metrics.clear_metrics()

    flushed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    names = sorted(m["Name"] for emf in flushed for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"])
    assert len(flushed) == 2  # one flush each, each with its own metric
    assert names == ["Accepted", "Stored"]
    assert all(emf["stack"] == "local" and emf["service"] == "local-concurrency-test" for emf in flushed)


def test_concurrent_requests_to_one_function_each_read_their_own_request(monkeypatch):
    # The local stack runs each API request on its own thread, in one process: a function's
    # router must not keep the request being answered where another thread's can replace it
    # (Powertools' resolver did; its routes read the last request to arrive).
    from functions.founder import app

    both_inside = threading.Barrier(2, timeout=10)

    def founder_of(token, now):
        both_inside.wait()  # both requests are past their token, neither has read its body
        return token

    monkeypatch.setattr(app.founder, "founder_of", founder_of)
    monkeypatch.setattr(app.founder, "withdraw", lambda holder, body, now: {"group_id": holder, "body": body})
    answers: dict[str, dict] = {}

    def withdraw(name: str) -> None:
        event = http_api_event(
            "POST",
            "/status/withdraw",
            headers={"Authorization": f"Bearer {name}", "Content-Type": "application/json"},
            body=json.dumps({"reason": f"{name}'s reason"}),
        )
        answer = app.handler(event, lambda_runtime.LambdaContext(function_name="local-FounderFunction"))
        answers[name] = json.loads(answer["body"])

    threads = [threading.Thread(target=withdraw, args=(name,)) for name in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert answers == {
        "first": {"group_id": "first", "body": {"reason": "first's reason"}},
        "second": {"group_id": "second", "body": {"reason": "second's reason"}},
    }


def test_only_an_invocation_that_may_write_wakes_the_pollers(monkeypatch):
    # A read writes nothing a stream or a queue carries: waking the pollers' process for it
    # only had it poll every source on the cores that were answering the read.
    monkeypatch.setattr("local.stack.invoke", lambda stack, function, event, environment: {"statusCode": 200})
    woken: list[str] = []
    local = LocalStack(aws_endpoint_url="", stack=None, accounts=None)  # type: ignore[arg-type]
    local.event_sources = SimpleNamespace(wake=lambda: woken.append("woken"))  # type: ignore[assignment]

    for method in ("GET", "HEAD", "OPTIONS", "get"):
        local.invoke("GroupsFunction", http_api_event(method, "/groups/g-1"))
    assert woken == []
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        local.invoke("GroupsFunction", http_api_event(method, "/groups/g-1/members"))
    local.invoke("FollowUpsFunction", {"time": "2026-12-03T13:00:00Z", "detail-type": "Scheduled Event"})
    assert woken == ["woken"] * 5
