"""What moto recomputes on every request, computed once: the same answers, less CPU.

A profile of the local stack under 8 clients (docs/performance.md) found a quarter of its
moto server's time in two places that do not depend on the request's data:
  - each EventBridge event delivered through a rule's InputTransformer builds a JSONPath
    parser from its grammar (ply's yacc tables) for every input path;
  - each request's dispatch lists moto's package directory (a stat per service, ~200) and
    matches the host against every service's URL patterns, under the server's one lock.
Both are pure functions of their arguments; cached here, for the local stack's moto server
and the tests' in-process moto alike. A third grew with the data: SQS's ReceiveMessage
checked each message's retention by computing every attribute of its queue, three of which
walk all the queue's messages, so a batch off a queue holding n messages cost 30n checks.
It now reads the one attribute it needs; and SQS's clock (read for every message a
ReceiveMessage or SendMessage walks past) is the system's clock read directly, not a
datetime built and subtracted from another each time. Idempotent.
"""

from __future__ import annotations

import functools
from typing import Any


def cache_event_input_paths() -> None:
    """jsonpath_ng.ext.parse(expression) once per expression (moto's events/utils.py
    imports it when it parses an InputTransformer's paths)."""
    import jsonpath_ng.ext

    if getattr(jsonpath_ng.ext.parse, "cache_info", None) is None:
        jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)


def cache_server_dispatch() -> None:
    """moto's server: its list of service modules read once, and each host's backend
    looked up once (the hosts a stack's clients use are a handful)."""
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(backends.list_of_moto_modules, "cache_info", None) is None:
        modules = tuple(backends.list_of_moto_modules())
        backends.list_of_moto_modules = functools.lru_cache(maxsize=1)(lambda: modules)
    lookup = DomainDispatcherApplication.get_backend_for_host
    if getattr(lookup, "_cached", False):
        return

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        found: dict[str | None, Any] = self.__dict__.setdefault("_backend_of_host", {})
        if host not in found:
            found[host] = lookup(self, host)
        return found[host]

    get_backend_for_host._cached = True  # type: ignore[attr-defined]
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def read_retention_alone() -> None:
    """SQS ReceiveMessage: whether a message is still within its queue's retention period,
    from the queue's MessageRetentionPeriod alone (moto computed the queue's every attribute,
    counting its messages three times, for each message it handed out)."""
    import time

    from moto.sqs.models import SQSBackend

    if getattr(SQSBackend.is_message_valid_based_on_retention_period, "_lean", False):
        return

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > time.time())  # moto's unix_time(), read directly

    is_message_valid_based_on_retention_period._lean = True  # type: ignore[attr-defined]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]


def read_sqs_clock_directly() -> None:
    """moto's SQS asks the time as seconds or milliseconds since the epoch, computed from a
    naive UTC datetime minus the epoch's: time.time() is that number."""
    import time

    from moto.sqs import models

    if getattr(models.unix_time, "_lean", False):
        return
    slow_seconds = models.unix_time

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else slow_seconds(dt)

    def unix_time_millis(dt: Any = None) -> float:
        return unix_time(dt) * 1000.0

    unix_time._lean = True  # type: ignore[attr-defined]
    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis


def apply() -> None:
    cache_event_input_paths()
    cache_server_dispatch()
    read_retention_alone()
    read_sqs_clock_directly()
