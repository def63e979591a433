"""HTTP edge shared by the API functions: the one place domain errors become RFC 9457
problems, and request bodies are checked for size, media type and JSON syntax."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from shared.errors import DomainError, MalformedRequest, NotFound, PayloadTooLarge, UnsupportedMediaType

PROBLEM_BASE = "https://start-a-group.example.org/problems/"
PROBLEM_TYPE = "application/problem+json"
MAX_BODY_BYTES = 16 * 1024

logger = Logger(service="start-a-group")


def problem(status: int, slug: str, title: str, detail: str, **extensions: Any) -> Response:
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extensions}
    return Response(status_code=status, content_type=PROBLEM_TYPE, body=json.dumps(body))


def problem_for(err: DomainError) -> Response:
    response = problem(err.status, err.slug, err.title, err.detail, **err.extensions())
    retry_after = getattr(err, "retry_after_seconds", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="application/json", body=json.dumps(payload), headers=headers)


def make_resolver() -> APIGatewayHttpResolver:
    """A resolver whose errors are all problems: domain errors by their mapping,
    unknown routes as 404, anything unexpected as a logged 500 without details."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(DomainError)
    def _domain_error(err: DomainError) -> Response:
        if err.status >= 500:  # pragma: no cover - no domain error is a server error
            logger.error("domain error mapped to server error", extra={"problem": err.slug})
        else:
            logger.info("request refused", extra={"problem": err.slug, "status": err.status})
        return problem_for(err)

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return problem_for(NotFound("No such resource."))

    @app.exception_handler(Exception)
    def _unexpected(err: Exception) -> Response:
        logger.exception("unhandled error", extra={"error_type": type(err).__name__})
        return problem(500, "internal-error", "Internal error", "Something went wrong on our side.")

    return app


def read_json_object(event: Any) -> dict[str, Any]:
    """The request body as a JSON object, or the problem that says why not.
    Checks size before parsing, so a large body costs nothing to refuse."""
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
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
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType("Send the request body as application/json.")
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedRequest("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    return payload
