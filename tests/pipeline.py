"""Given/when helpers shared by the tests: call the API functions with HTTP API events and
run the asynchronous hops (stream → bus → queue → sender) to completion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local import drivers
from local.event_shapes import http_api_event
from local.lambda_runtime import invoke
from local.provision import Stack

VALID_FORM = {
    "name": "Ana Souza",
    "email": "Ana.Souza@Example.com",
    "phone": "(415) 555-0142",
    "city": "San Francisco",
    "state": "CA",
    "zip": "94110",
    "message": "Our book club wants to write letters for prisoners of conscience.",
    "consent": True,
    "website": "",
}


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def call_api(
    stack: Stack,
    function: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    source_ip: str = "203.0.113.7",
    claims: dict[str, Any] | None = None,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> HttpResult:
    """`claims`: what API Gateway's JWT authorizer would hand over (None: no token)."""
    if body is not None:
        raw_body = json.dumps(body)
        headers = {"content-type": "application/json", **(headers or {})}
    event = http_api_event(
        method,
        path,
        body=raw_body,
        headers=headers,
        query=query,
        source_ip=source_ip,
        claims=claims,
        route_key=route_key,
        path_parameters=path_parameters,
    )
    response = invoke(stack, function, event)
    text = response.get("body") or ""
    content_type = (response.get("headers") or {}).get("Content-Type", "")
    parsed = json.loads(text) if text and "json" in content_type else (text or None)
    return HttpResult(response["statusCode"], response.get("headers") or {}, parsed)


def post_form(stack: Stack, form: dict[str, Any] | None = None, **kw: Any) -> HttpResult:
    """POST /inquiries alone: the request path, which answers and queues the submission."""
    return call_api(stack, "IntakeFunction", "POST", "/inquiries", body=VALID_FORM if form is None else form, **kw)


def store_submissions(stack: Stack) -> int:
    """The intake queue's consumer, run until the queue is empty (only that hop: the stream
    and the email queue wait for `run_async`)."""
    consumer = [
        drivers.QueuePump(stack, fn, props, event_name=name)
        for fn, name, props in drivers.event_sources(stack, "SQS")
        if fn == "InquiryStoreFunction"
    ]
    return drivers.drain(list(consumer))


@dataclass(frozen=True)
class Submitted:
    """Both halves of one submission run in this process (no queue between them): what the
    applicant was answered, and what the intake queue's consumer made of it."""

    status: int
    body: dict[str, Any]
    outcome: str
    group_id: str | None


def submit_in_process(form: dict[str, Any], source: str, now: datetime) -> Submitted:
    """The request path's use case, then the consumer's with the very submission it queued:
    for tests and benchmarks on DynamoDB Local, which has no queue."""
    from shared.usecases.intake import accept_inquiry, store_submission

    accepted = accept_inquiry(form, source, now)
    stored = store_submission(accepted.submission)
    return Submitted(accepted.status, accepted.body, stored.outcome, stored.group_id)


def submit(stack: Stack, form: dict[str, Any] | None = None, **kw: Any) -> HttpResult:
    """Send the form and let the intake queue's consumer store it, as a few seconds later in
    AWS: the group (or the repeat, or the join) exists when this returns."""
    answer = post_form(stack, form, **kw)
    store_submissions(stack)
    return answer


# Where the stream's consumer stands in this test: each run_async goes on from where the
# last one stopped, as the stack's mapping does, instead of handing the whole stream to the
# outbox again (its events were idempotent, so only time was lost). Forgotten between tests.
_stream_positions = drivers.StreamCheckpoints()


def forget_stream_positions() -> None:
    global _stream_positions
    _stream_positions = drivers.StreamCheckpoints()


def run_async(stack: Stack) -> int:
    """Everything the stream and the queues have (since the last call), through to SES."""
    return drivers.drain(drivers.pumps(stack, checkpoints=_stream_positions))


# --- the organizer API ----------------------------------------------------------------------

ROUTE_FUNCTIONS = {"/reports/pipeline": "ReportsFunction", "/reports/groups.csv": "ReportsFunction"}


def claims_for(role: str, email: str, *, as_string: bool = False, sub: str = "sub-1") -> dict[str, Any]:
    """The claims of a Cognito ID token as API Gateway hands them over. HTTP APIs flatten a
    list claim to "[a b]"; `as_string` gives that form."""
    groups: Any = f"[{role}]" if as_string else [role]
    return {
        "sub": sub,
        "email": email,
        "email_verified": "true",
        "cognito:groups": groups,
        "token_use": "id",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local",
    }


ADMIN = claims_for("admins", "admin@example.org", sub="admin-sub")


def organizer_claims(directory: Any, organizer_id: str) -> dict[str, Any]:
    organizer = directory.get(organizer_id)
    role = "field_organizers" if organizer.role.value == "field_organizer" else "area_coordinators"
    return claims_for(role, organizer.email, sub=f"sub-{organizer_id}")


def api(
    stack: Stack,
    method: str,
    path: str,
    claims: dict[str, Any] | None,
    body: Any = None,
    *,
    if_match: str | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    """Call an organizer route with the claims of a verified token."""
    function = ROUTE_FUNCTIONS.get(path, "GroupsFunction")
    headers = dict(headers or {})
    if if_match is not None:
        headers["if-match"] = if_match
    if raw_body is not None:
        headers.setdefault("content-type", "application/json")
    return call_api(
        stack, function, method, path, body=body, raw_body=raw_body, headers=headers, query=query, claims=claims
    )
