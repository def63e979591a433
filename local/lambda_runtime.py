"""Calling a function of template.yaml in-process, the way Lambda would: its handler
module loaded from its CodeUri, its environment from the template, a Lambda context."""

from __future__ import annotations

import importlib
import os
import threading
import time
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local.template import ROOT


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def function_arn(stack: Any, logical_id: str) -> str:
    """The ARN the function would have in this stack (named `<stack name>-<logical id>`)."""
    resolver = stack.resolver
    return f"arn:aws:lambda:{resolver.region}:{resolver.account}:function:{resolver.stack_name}-{logical_id}"


def handler_module(function: dict[str, Any], template: dict[str, Any]) -> str:
    """`functions/intake/` + `app.handler` → `functions.intake.app`."""
    code_uri = function["Properties"]["CodeUri"].strip("/")
    handler = function["Properties"].get("Handler") or template["Globals"]["Function"]["Handler"]
    module, _, _ = handler.rpartition(".")
    path = (ROOT / code_uri / (module.replace(".", "/") + ".py")).relative_to(ROOT)
    return ".".join(path.with_suffix("").parts)


def load_handler(function: dict[str, Any], template: dict[str, Any]) -> Any:
    handler = function["Properties"].get("Handler") or template["Globals"]["Function"]["Handler"]
    module = importlib.import_module(handler_module(function, template))
    return getattr(module, handler.rpartition(".")[2])


_DELETED = object()  # a variable an invocation removed from its environment


class InvocationEnviron(MutableMapping[str, str]):
    """os.environ as each thread sees it: the process's environment, under the environment of
    the function invocation the thread is running (if any). In Lambda each instance is a
    process with its function's environment; here concurrent invocations are threads of one
    process, so each sees its own function's variables (and what it sets or deletes itself)
    and no other function's. Outside an invocation it is the process's environment, and
    writes go through to it (and so to subprocesses)."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process
        self._local = threading.local()

    def overlay(self) -> dict[str, Any] | None:
        return getattr(self._local, "overlay", None)

    def set_overlay(self, overlay: dict[str, Any] | None) -> None:
        self._local.overlay = overlay

    def __getitem__(self, key: str) -> str:
        overlay = self.overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is _DELETED:
                raise KeyError(key)
            return value
        return self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = self.overlay()
        if overlay is None:
            self.process[key] = value
        else:
            overlay[key] = str(value)

    def __delitem__(self, key: str) -> None:
        overlay = self.overlay()
        if overlay is None:
            del self.process[key]
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = _DELETED

    def _keys(self) -> dict[str, None]:
        keys = dict.fromkeys(self.process)
        for key, value in (self.overlay() or {}).items():
            if value is _DELETED:
                keys.pop(key, None)
            else:
                keys[key] = None
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def copy(self) -> dict[str, str]:
        return dict(self.items())

    def __repr__(self) -> str:
        return f"InvocationEnviron({len(self)} variables)"


_client_creation = threading.RLock()


def _per_thread_log_keys() -> None:
    """Powertools' logger keeps the keys of its log lines (the Lambda context, what a
    handler appended) on its formatter, one per service name: functions that share a
    service name share it. Concurrent invocations would print each other's function name
    and request id. Each thread gets its own keys here, starting from those the formatter
    has on the main thread (where the handlers are imported: its construction and what the
    modules appended), as each Lambda instance has its own."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    if isinstance(LambdaPowertoolsFormatter.__dict__.get("log_format"), property):
        return

    def keys(formatter: Any) -> dict[str, Any]:
        store = formatter.__dict__.setdefault("_thread_log_format", threading.local())
        current = getattr(store, "keys", None)
        if current is None:
            current = store.keys = dict(formatter.__dict__.get("_log_format_start") or {})
        return current

    def set_keys(formatter: Any, value: dict[str, Any]) -> None:
        if threading.current_thread() is threading.main_thread():  # made (at import): what every thread starts from
            formatter.__dict__["_log_format_start"] = value
        formatter.__dict__.setdefault("_thread_log_format", threading.local()).keys = value

    LambdaPowertoolsFormatter.log_format = property(keys, set_keys)  # type: ignore[assignment]


_METRIC_SETS = ("metric_set", "dimension_set", "dimension_sets", "metadata_set")


def _per_thread_metrics() -> None:
    """Powertools' Metrics keep what an invocation adds in sets that every Metrics of the
    process shares (class attributes, held by each one's EMF provider) until the handler's
    log_metrics flushes and clears them. Concurrent invocations would flush each other's
    metrics, or clear them between another flush's check and its serialization, which then
    raises (the intake answered 500 about once in 300 to 1,000 forms from 8 clients). Each thread
    other than the one that built a provider gets its own sets here, empty but for the
    default dimensions, as each Lambda instance has its own. Sets that providers shared stay
    shared between them, within a thread."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    if isinstance(AmazonCloudWatchEMFProvider.__dict__.get("metric_set"), property):
        return
    mine = threading.local()
    adopting = threading.Lock()

    def per_thread(name: str) -> property:
        def built(provider: Any) -> Any:
            """The set the provider was built with (None: not yet, inside its __init__)."""
            held = provider.__dict__
            if name in held:  # a provider built before this ran (on the main thread): adopt its set, once
                with adopting:
                    if name in held:
                        held.setdefault("_built_on", threading.main_thread().ident)
                        held[f"_{name}_built"] = held.pop(name)
            return held.get(f"_{name}_built")

        def get(provider: Any) -> Any:
            start = built(provider)
            if provider.__dict__.get("_built_on") == threading.get_ident():
                return start
            sets = mine.__dict__.setdefault("sets", {})
            if id(start) not in sets:
                sets[id(start)] = type(start)()
                if name == "dimension_set":
                    sets[id(start)].update({k: str(v) for k, v in provider.default_dimensions.items()})
            return sets[id(start)]

        def set_(provider: Any, value: Any) -> None:
            start = built(provider)
            if start is not None and provider.__dict__.get("_built_on") != threading.get_ident():
                mine.__dict__.setdefault("sets", {})[id(start)] = value
                return
            provider.__dict__.setdefault("_built_on", threading.get_ident())
            provider.__dict__[f"_{name}_built"] = value

        return property(get, set_)

    for name in _METRIC_SETS:
        setattr(AmazonCloudWatchEMFProvider, name, per_thread(name))


def install_concurrent_invocations() -> InvocationEnviron:
    """Let functions run at once on several threads of this process, as Lambda runs them in
    instances of their own: os.environ becomes per invocation (InvocationEnviron), and
    botocore's client creation, which is not thread-safe within one session (the handlers
    share boto3's default session), takes a lock; Powertools' log keys and metrics are per
    thread. Idempotent."""
    import botocore.session

    create_client = botocore.session.Session.create_client
    if not getattr(create_client, "_serialized", False):

        def serialized(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _client_creation:
                return create_client(self, *args, **kwargs)

        serialized._serialized = True  # type: ignore[attr-defined]
        botocore.session.Session.create_client = serialized
    _per_thread_log_keys()
    _per_thread_metrics()
    if not isinstance(os.environ, InvocationEnviron):
        os.environ = InvocationEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003 - replaced on purpose: the process environment stays below it
    return os.environ  # type: ignore[return-value]


@contextmanager
def environment(variables: dict[str, str]):
    """`variables` set for the code this thread runs inside the block: for this thread alone
    once install_concurrent_invocations() has run, else in the process's environment."""
    environ = os.environ
    if isinstance(environ, InvocationEnviron):
        outer = environ.overlay()
        environ.set_overlay({**(outer or {}), **variables})
        try:
            yield
        finally:
            environ.set_overlay(outer)
        return
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def preload(stack: Any, logical_id: str) -> None:
    """Import a function's handler in its environment, as a Lambda cold start does."""
    with environment(stack.environment(logical_id)):
        load_handler(stack.template["Resources"][logical_id], stack.template)


def invoke(stack: Any, logical_id: str, event: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    """Invoke one function of the stack with one event; returns what the handler returns.
    `env`: the function's environment when the caller has it already (else resolved now)."""
    function = stack.template["Resources"][logical_id]
    timeout = int(function["Properties"].get("Timeout") or stack.template["Globals"]["Function"].get("Timeout", 3))
    context = LambdaContext(function_name=f"{stack.resolver.stack_name}-{logical_id}", timeout_seconds=timeout)
    with environment(stack.environment(logical_id) if env is None else env):
        return load_handler(function, stack.template)(event, context)
