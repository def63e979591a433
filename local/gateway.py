"""API Gateway's part of the local stack: an HTTP request to the template's HttpApi routes
becomes a payload v2 event for the route's function, after the JWT authorizer's check where
the template puts one, and the function's result becomes the HTTP response. Also the
request and response types of the local server and its RFC 9457 problems."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from local import routes
from local.auth import JwtVerifier, Unauthorized
from local.event_shapes import http_api_event
from local.provision import Stack
from shared.api.problems import PROBLEM_BASE, PROBLEM_TYPE
from shared.domain.errors import DomainError, MalformedRequest, NotAuthenticated, NotFound

TEXT_TYPES = re.compile(r"^(text/|application/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded))")


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, content_type: str = "application/json") -> Response:
        return cls(status, [("Content-Type", content_type)], json.dumps(payload, default=str).encode())


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


class LengthRequired(DomainError, status=411, slug="length-required", title="Length required"): ...


def gateway_response(result: Any) -> Response:
    """What API Gateway makes of a function's result (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response.json(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    return Response(int(result["statusCode"]), headers, data)


Invoke = Callable[[str, dict[str, Any]], Any]


@dataclass
class Gateway:
    """The HttpApi routes of template.yaml with their JWT authorizers."""

    route_table: list[routes.Route]
    verifiers: dict[tuple[str | None, str], JwtVerifier]

    @classmethod
    def of(cls, stack: Stack, aws_endpoint_url: str) -> Gateway:
        table = routes.routes(stack.template)
        verifiers = {
            (r.api, r.authorizer): JwtVerifier(routes.jwt_authorizer(stack, r), aws_endpoint_url)
            for r in table
            if r.authorizer
        }
        return cls(table, verifiers)

    def handle(self, request: Request, invoke: Invoke, received: datetime | None = None) -> tuple[Response, str]:
        """The response, and what served it. `received`: the request's time as API Gateway
        stamps it (requestContext.timeEpoch); None: now."""
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
            received=received,
        )
        try:
            result = invoke(route.function, event)
        except Exception:  # noqa: BLE001 - Lambda reports a crash as an error; so do we
            return internal_error(route.function), route.function
        return gateway_response(result), route.function
