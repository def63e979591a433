"""Domain errors with meaning. shared/api/problems.py maps each to one RFC 9457 problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a client can cause. Never a 5xx."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    def extensions(self) -> dict:
        return {}


class MalformedRequest(DomainError):
    status, slug, title = 400, "malformed-request", "Malformed request"


class NotAuthenticated(DomainError):
    status, slug, title = 401, "not-authenticated", "Not authenticated"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotYourState(Forbidden):
    slug, title = "not-your-state", "Outside your states"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(DomainError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class MoveNotAllowed(Conflict):
    """A stage move the machine does not make (backwards, skipping, out of `active`...).
    Carries `unmet` like GateNotMet, so clients read one list either way."""

    slug, title = "move-not-allowed", "Stage move not allowed"

    def __init__(self, detail: str, unmet: list[str] | None = None, allowed: list[str] | None = None):
        super().__init__(detail)
        self.unmet = list(unmet or [])
        self.allowed = list(allowed or [])

    def extensions(self) -> dict:
        return {"unmet": list(self.unmet), "allowed": list(self.allowed)}


class GateNotMet(Conflict):
    slug, title = "gate-not-met", "Gate not met"

    def __init__(self, detail: str, unmet: list[str]):
        super().__init__(detail)
        self.unmet = unmet

    def extensions(self) -> dict:
        return {"unmet": list(self.unmet)}


class WrongStage(Conflict):
    slug, title = "wrong-stage", "Not at this stage"


class GroupBusy(Conflict):
    """Other writes kept winning the race for the group; nothing was written."""

    slug, title = "group-busy", "Group busy"


class StaleVersion(DomainError):
    status, slug, title = 412, "stale-version", "Precondition failed"


class PayloadTooLarge(DomainError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(DomainError):
    status, slug, title = 422, "validation-error", "Invalid fields"

    def __init__(self, errors: list[FieldError], detail: str | None = None):
        fields = ", ".join(sorted({e.field for e in errors}))
        super().__init__(detail or f"Some fields are not valid: {fields}.")
        self.errors = errors

    def extensions(self) -> dict:
        return {"errors": [{"field": e.field, "message": e.message} for e in self.errors]}


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, retry_after_seconds: int):
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds
