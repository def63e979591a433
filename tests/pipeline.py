"""Given/when helpers shared by the tests: call the API functions with HTTP API events and
run the asynchronous hops (stream → bus → queue → sender) to completion."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
) -> HttpResult:
    if body is not None:
        raw_body = json.dumps(body)
        headers = {"content-type": "application/json", **(headers or {})}
    event = http_api_event(method, path, body=raw_body, headers=headers, query=query, source_ip=source_ip)
    response = invoke(stack, function, event)
    text = response.get("body") or ""
    parsed = json.loads(text) if text else None
    return HttpResult(response["statusCode"], response.get("headers") or {}, parsed)


def submit(stack: Stack, form: dict[str, Any] | None = None, **kw: Any) -> HttpResult:
    return call_api(stack, "IntakeFunction", "POST", "/inquiries", body=VALID_FORM if form is None else form, **kw)


def run_async(stack: Stack) -> int:
    """Everything the stream and the queues have, through to SES."""
    return drivers.drain(drivers.pumps(stack))
