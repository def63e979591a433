"""Domain errors with meaning. shared/api/problems.py maps each to one RFC 9457 problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a client can cause. Never a 5xx. Each kind names its problem in
    its class line (status, slug, title); a kind of a kind keeps its parent's status."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init_subclass__(cls, *, status: int | None = None, slug: str, title: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.status, cls.slug, cls.title = status or cls.status, slug, title

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    def extensions(self) -> dict:
        return {}


class MalformedRequest(DomainError, status=400, slug="malformed-request", title="Malformed request"): ...


class NotAuthenticated(DomainError, status=401, slug="not-authenticated", title="Not authenticated"): ...


class Forbidden(DomainError, status=403, slug="forbidden", title="Forbidden"): ...


class NotYourState(Forbidden, slug="not-your-state", title="Outside your states"): ...


class NotFound(DomainError, status=404, slug="not-found", title="Not found"): ...


class MethodNotAllowed(DomainError, status=405, slug="method-not-allowed", title="Method not allowed"): ...


class Conflict(DomainError, status=409, slug="conflict", title="Conflict"): ...


class MoveNotAllowed(Conflict, slug="move-not-allowed", title="Stage move not allowed"):
    """A stage move the machine does not make (backwards, skipping, out of `active`...).
    Carries `unmet` like GateNotMet, so clients read one list either way."""

    def __init__(self, detail: str, unmet: list[str] | None = None, allowed: list[str] | None = None):
        super().__init__(detail)
        self.unmet = list(unmet or [])
        self.allowed = list(allowed or [])

    def extensions(self) -> dict:
        return {"unmet": list(self.unmet), "allowed": list(self.allowed)}


class GateNotMet(Conflict, slug="gate-not-met", title="Gate not met"):
    def __init__(self, detail: str, unmet: list[str]):
        super().__init__(detail)
        self.unmet = unmet

    def extensions(self) -> dict:
        return {"unmet": list(self.unmet)}


class WrongStage(Conflict, slug="wrong-stage", title="Not at this stage"): ...


class GroupBusy(Conflict, slug="group-busy", title="Group busy"):
    """Other writes kept winning the race for the group; nothing was written."""


class StaleVersion(DomainError, status=412, slug="stale-version", title="Precondition failed"): ...


class PayloadTooLarge(DomainError, status=413, slug="payload-too-large", title="Payload too large"): ...


class UnsupportedMediaType(DomainError, status=415, slug="unsupported-media-type", title="Unsupported media type"): ...


class ValidationFailed(DomainError, status=422, slug="validation-error", title="Invalid fields"):
    def __init__(self, errors: list[FieldError], detail: str | None = None):
        fields = ", ".join(sorted({e.field for e in errors}))
        super().__init__(detail or f"Some fields are not valid: {fields}.")
        self.errors = errors

    def extensions(self) -> dict:
        return {"errors": [{"field": e.field, "message": e.message} for e in self.errors]}


class RateLimited(DomainError, status=429, slug="rate-limited", title="Too many requests"):
    def __init__(self, detail: str, retry_after_seconds: int):
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
