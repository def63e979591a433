"""HTTP edge shared by the API functions: the one place domain errors become RFC 9457
problems, and request bodies are checked for size, media type and JSON syntax.

A function behind one route uses `endpoint` (API Gateway already routed the request); a
function behind several routes uses `Router`, which maps errors the same way.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.domain.clock import utcnow
from shared.domain.errors import DomainError, MalformedRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from shared.log_safe import error_fields

PROBLEM_BASE = "https://start-a-group.example.org/problems/"
PROBLEM_TYPE = "application/problem+json"
MAX_BODY_BYTES = 16 * 1024

logger = logging.getLogger("start-a-group.http")

HttpResponse = dict[str, Any]  # API Gateway HTTP API (payload v2) response
Route = Callable[..., HttpResponse]  # route(event, **path_params), for Router


def response(status: int, body: str, content_type: str, headers: dict[str, str] | None = None) -> HttpResponse:
    # No answer is kept by a browser or a proxy unless its route says so: most hold personal
    # data (a founder's name, email, phone), and a problem may answer a request that did.
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type, "Cache-Control": "no-store", **(headers or {})},
        "body": body,
        "isBase64Encoded": False,
    }


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return response(status, json.dumps(payload), "application/json", headers)


def problem(status: int, slug: str, title: str, detail: str, **extensions: Any) -> HttpResponse:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extensions}
    return response(status, json.dumps(body), PROBLEM_TYPE)


def problem_for(err: DomainError) -> HttpResponse:
    out = problem(err.status, err.slug, err.title, err.detail, **err.extensions())
    retry_after = getattr(err, "retry_after_seconds", None)
    if retry_after is not None:
        out["headers"]["Retry-After"] = str(retry_after)
    return out


def internal_error() -> HttpResponse:
    return problem(500, "internal-error", "Internal error", "Something went wrong on our side.")


def _refused(err: DomainError) -> HttpResponse:
    # An expected refusal: logged as information with the problem's name, never the input.
    logger.info("request refused", extra={"problem": err.slug, "status": err.status})
    return problem_for(err)


def endpoint(fn: Callable[[dict[str, Any]], HttpResponse]) -> Callable[[dict[str, Any], Any], HttpResponse]:
    """Wrap a one-route handler body: domain errors become problems, anything else a 500."""

    @functools.wraps(fn)
    def handle(event: dict[str, Any], context: Any = None) -> HttpResponse:
        return _answered(fn, event)

    return handle


def _answered(fn: Callable[..., HttpResponse], event: dict[str, Any], **params: str) -> HttpResponse:
    try:
        return fn(event, **params)
    except DomainError as err:
        return _refused(err)
    except Exception as err:  # noqa: BLE001 - the last line of defence: a problem, not a stack trace
        logger.error("unhandled error", extra=error_fields(err))  # never its text
        return internal_error()


class Router:
    """Routes a function's requests by method and path template (`/groups/<group_id>`) to
    functions `route(event, **path_params)`, whose every error is a problem: domain errors
    by their mapping, unknown routes as 404, the unexpected as 500 (as `endpoint` does).

    API Gateway has routed the request already; this only picks the function for it. It
    replaces Powertools' resolver, whose imports (~100 modules, asyncio among them) were an
    eighth of these functions' cold start, and which keeps the request being resolved on
    the resolver: two requests at once in one process (the local stack runs each on its
    own thread) could read each other's. Here the event is an argument, never state."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Route]] = []

    def route(self, method: str, template: str) -> Callable[[Route], Route]:
        pattern = re.compile("^" + re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template) + "$")

        def register(fn: Route) -> Route:
            self._routes.append((method.upper(), pattern, fn))
            return fn

        return register

    def get(self, template: str) -> Callable[[Route], Route]:
        return self.route("GET", template)

    def post(self, template: str) -> Callable[[Route], Route]:
        return self.route("POST", template)

    def patch(self, template: str) -> Callable[[Route], Route]:
        return self.route("PATCH", template)

    def delete(self, template: str) -> Callable[[Route], Route]:
        return self.route("DELETE", template)

    def resolve(self, event: dict[str, Any], context: Any = None) -> HttpResponse:
        context_of_request = event.get("requestContext") or {}
        method = str((context_of_request.get("http") or {}).get("method", "")).upper()
        path = event.get("rawPath") or "/"
        stage = context_of_request.get("stage", "$default")
        if stage != "$default" and path.startswith(f"/{stage}/"):  # a named stage prefixes the path
            path = path[len(stage) + 1 :]
        for route_method, pattern, fn in self._routes:
            match = pattern.match(path) if route_method == method else None
            if match:
                return _answered(fn, event, **match.groupdict())
        return problem_for(NotFound("No such resource."))


def header(event: dict[str, Any], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in (event.get("headers") or {}).items() if k.lower() == name), None)


ORIGIN_VERIFY_HEADER = "x-origin-verify"  # set by CloudFront on the API origin (template.yaml)
VIEWER_ADDRESS_HEADER = "x-viewer-address"  # set by CloudFront's ApiPathFunction


def source_ip(event: dict[str, Any]) -> str:
    """The client's address, for per-address rate limits. Behind CloudFront the connection
    comes from an edge, so the viewer's address is taken from `x-viewer-address`, but only
    when the request carries the distribution's origin secret (ORIGIN_VERIFY_SECRET): a
    request sent to the API directly could claim any address. Otherwise (and locally, where
    the secret is empty) the connection's own address."""
    connection = event.get("requestContext", {}).get("http", {}).get("sourceIp", "unknown")
    secret = os.environ.get("ORIGIN_VERIFY_SECRET", "")
    presented = header(event, ORIGIN_VERIFY_HEADER)
    viewer = (header(event, VIEWER_ADDRESS_HEADER) or "").strip()
    if secret and presented and viewer and hmac.compare_digest(presented.encode(), secret.encode()):
        return viewer[:64]
    return str(connection)


def received_at(event: dict[str, Any]) -> datetime:
    """The request's "now": when API Gateway received it (requestContext.timeEpoch), as a
    scheduled run's now is its event's time; the function's clock when the event has none."""
    epoch_ms = event.get("requestContext", {}).get("timeEpoch")
    if isinstance(epoch_ms, int) and not isinstance(epoch_ms, bool):
        return datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return utcnow()


def query_parameters(event: dict[str, Any]) -> dict[str, str]:
    return event.get("queryStringParameters") or {}


def query_parameter(event: dict[str, Any], name: str) -> str | None:
    return query_parameters(event).get(name)


def read_json_object(event: dict[str, Any]) -> dict[str, Any]:
    """The request body as a JSON object, or the problem that says why not.
    Checks size before parsing, so a large body costs nothing to refuse."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedRequest("The request body is not valid base64.") from None
    else:
        data = raw.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is over {MAX_BODY_BYTES // 1024} KiB.")
    media_type = (header(event, "content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType("Send the request body as application/json.")
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedRequest("The request body is not valid JSON.") from None
    except RecursionError:  # thousands of nested brackets fit in 16 KiB
        raise MalformedRequest("The request body nests too deeply.") from None
    if not isinstance(payload, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    return payload
