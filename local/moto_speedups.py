"""What moto recomputes on every request, computed once: the same answers, less CPU.

A profile of the local stack under 8 clients (docs/performance.md) found a quarter of its
moto server's time in two places that do not depend on the request's data:
  - each EventBridge event delivered through a rule's InputTransformer builds a JSONPath
    parser from its grammar (ply's yacc tables) for every input path;
  - each request's dispatch lists moto's package directory (a stat per service, ~200) and
    matches the host against every service's URL patterns, under the server's one lock.
Both are pure functions of their arguments; cached here, for the local stack's moto server
and the tests' in-process moto alike. Idempotent.
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


def apply() -> None:
    cache_event_input_paths()
    cache_server_dispatch()
