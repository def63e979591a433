"""The dev-only /_local routes of DESIGN §6, as one table: a route is a method, a path
(with {name} parameters) and a function of (the stack, the request, the parameters).
Adding one is a function and a line in ROUTES."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from local import schedules
from local.gateway import Request, Response, internal_error, problem
from shared.domain.clock import SCHEDULE_YEARS
from shared.domain.errors import Conflict, FieldError, MethodNotAllowed, NotFound, ValidationFailed

if TYPE_CHECKING:
    from local.stack import LocalStack

Handler = Callable[["LocalStack", Request, dict[str, str]], Response]


@dataclass(frozen=True)
class DevRoute:
    method: str
    path: str  # e.g. /_local/schedules/{name}/run
    handler: Handler

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)))


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


# --- the routes -------------------------------------------------------------------------


def health(_local: LocalStack, _request: Request, _params: dict[str, str]) -> Response:
    return Response.json(200, {"status": "ready"})


def sent_mail(local: LocalStack, _request: Request, _params: dict[str, str]) -> Response:
    return Response(200, [("Content-Type", "application/json")], local.sent_mail.listing_json())


def login(local: LocalStack, request: Request, _params: dict[str, str]) -> Response:
    payload = request.json_object()
    if isinstance(payload, Response):
        return payload
    email = payload.get("email")
    if not isinstance(email, str) or not email.strip():
        return problem(ValidationFailed([FieldError("email", "is required: the email of a seeded account")]))
    token = local.accounts.id_token(email) if local.accounts else None
    if token is None:
        detail = "No seeded organizer or admin has this email (see data/organizers.yaml, data/demo_accounts.yaml)."
        return problem(NotFound(detail))
    return Response.json(200, {"token": token})


def list_accounts(local: LocalStack, _request: Request, _params: dict[str, str]) -> Response:
    """The seeded accounts, for the organizer console's dev-only sign-in."""
    return Response.json(200, local.accounts.listing() if local.accounts else [])


def list_schedules(local: LocalStack, _request: Request, _params: dict[str, str]) -> Response:
    """DESIGN §6's [{"name", "schedule"}], plus where and when each fires next."""
    scheduler = local.scheduler
    assert scheduler is not None
    listing = []
    for schedule in scheduler.schedules:
        next_run = scheduler.next_time(schedule)
        listing.append(
            {
                "name": schedule.name,
                "schedule": schedule.expression,
                "timezone": schedule.timezone,
                "function": schedule.function,
                "next_run": next_run and schedules.iso(next_run),
            }
        )
    return Response.json(200, listing)


def run_schedule(local: LocalStack, request: Request, params: dict[str, str]) -> Response:
    assert local.scheduler is not None
    name = unquote(params["name"])
    found = schedules.find(local.scheduler.schedules, name)
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
        result = local.invoke(schedule.function, schedule.event(when))
    except Exception:  # noqa: BLE001 - reported like any failed invocation
        return internal_error(schedule.function)
    return Response.json(200, result)


def ses_event(local: LocalStack, request: Request, _params: dict[str, str]) -> Response:
    """What SES would report for an address, through the SES events function (local/ses_events.py)."""
    from local import ses_events

    payload = request.json_object()
    if isinstance(payload, Response):
        return payload
    try:
        event = ses_events.function_event(payload, local.stack.attr(ses_events.QUEUE, "Arn"))
    except ValidationFailed as err:
        return problem(err)
    try:
        result = local.invoke(ses_events.FUNCTION, event)
    except Exception:  # noqa: BLE001 - reported like any failed invocation
        return internal_error(ses_events.FUNCTION)
    return Response.json(200, result)


ROUTES: list[DevRoute] = [
    DevRoute("GET", "/_local/health", health),
    DevRoute("GET", "/_local/outbox", sent_mail),
    DevRoute("POST", "/_local/login", login),
    DevRoute("GET", "/_local/accounts", list_accounts),
    DevRoute("GET", "/_local/schedules", list_schedules),
    DevRoute("POST", "/_local/schedules/{name}/run", run_schedule),
    DevRoute("POST", "/_local/ses/events", ses_event),
]


def handle(local: LocalStack | None, request: Request, table: list[DevRoute] = ROUTES) -> Response:
    """The route's answer; 404 for a path no route has, 405 (with Allow) for another method.
    HEAD is answered as GET (the server leaves the body out)."""
    methods: dict[str, tuple[DevRoute, dict[str, str]]] = {}
    for route in table:
        match = route.pattern.fullmatch(request.path)
        if match:
            methods.setdefault(route.method, (route, match.groupdict()))
    if not methods:
        return problem(NotFound(f"The local stack has no route {request.path}."))
    if "GET" in methods:
        methods["HEAD"] = methods["GET"]
    if request.method not in methods:
        response = problem(MethodNotAllowed(f"{request.path} answers {' and '.join(methods)} only."))
        response.headers.append(("Allow", ", ".join(methods)))
        return response
    route, params = methods[request.method]
    return route.handler(local, request, params)  # type: ignore[arg-type]
