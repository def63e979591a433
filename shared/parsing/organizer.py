"""What organizers send to the organizer API (DESIGN §2), checked and normalized.

Each bad field becomes a FieldError (422 with `errors`), never an echo of the input.
Unknown fields are refused too: a typo like `case` for `case_id` must not be ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.geography import is_state_code
from shared.domain.stages import ActivityKind, CloseReason, MemberRole, Stage
from shared.parsing import UNKNOWN_FIELDS
from shared.parsing.inquiry import InvalidText, clean_email, clean_text

MAX_NOTES = 2000
DEFAULT_PAGE = 25
MAX_PAGE = 100

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=StrEnum)
Day = date  # inside ActivityRequest, `date` names the field


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message)


def _one_of(value: Any, allowed: type[E]) -> E:
    names = [m.value for m in allowed]
    if not isinstance(value, str) or value not in names:
        raise _invalid(f"must be one of {', '.join(names)}")
    return allowed(value)


# A stage by its name (a move's `to`, a list's `stage`): 422 naming the stages otherwise.
STAGE_NAME = BeforeValidator(lambda v: _one_of(v, Stage))


def _as_field_error(read: Any, *args: Any, **kwargs: Any) -> Any:
    """The form's own readers (shared/parsing/inquiry.py), with their words as this field's error."""
    try:
        return read(*args, **kwargs)
    except InvalidText as err:
        raise _invalid(str(err)) from None


def _optional_text(value: Any, max_length: int, multiline: bool = False) -> str | None:
    if value is None:
        return None
    return _as_field_error(clean_text, value, max_length=max_length, multiline=multiline) or None


def _required_text(value: Any, max_length: int, multiline: bool = False) -> str:
    text = _as_field_error(clean_text, value, max_length=max_length, multiline=multiline)
    if not text:
        raise _invalid("is required")
    return text


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The rules per field of a member and an activity, for adding one (every field as the
# class says) and for correcting one (shared/parsing/corrections.py: only the fields sent).


class MemberFields(_Request):
    @field_validator("name", mode="before", check_fields=False)
    @classmethod
    def _name(cls, v: Any) -> str:
        return _required_text(v, 200)

    @field_validator("email", mode="before", check_fields=False)
    @classmethod
    def _email(cls, v: Any) -> str | None:
        return _as_field_error(clean_email, v)

    @field_validator("role", mode="before", check_fields=False)
    @classmethod
    def _role(cls, v: Any) -> MemberRole:
        return _one_of(v, MemberRole)


class ActivityFields(_Request):
    @field_validator("kind", mode="before", check_fields=False)
    @classmethod
    def _kind(cls, v: Any) -> ActivityKind:
        return _one_of(v, ActivityKind)

    @field_validator("date", mode="before", check_fields=False)
    @classmethod
    def _date(cls, v: Any, info: ValidationInfo) -> Day:
        if not isinstance(v, str) or len(v) != 10:
            raise _invalid("must be a date as YYYY-MM-DD")
        try:
            day = date.fromisoformat(v)
        except ValueError:
            raise _invalid("must be a date as YYYY-MM-DD") from None
        today: Day = (info.context or {})["today"]
        if day > today + timedelta(days=1):
            raise _invalid("must not be in the future")
        if day.year < 2000:
            raise _invalid("must be in 2000 or later")
        return day

    @field_validator("notes", mode="before", check_fields=False)
    @classmethod
    def _notes(cls, v: Any) -> str | None:
        return _optional_text(v, MAX_NOTES, multiline=True)


class MemberRequest(MemberFields):
    name: str
    email: str | None = None
    role: MemberRole


class ActivityRequest(ActivityFields):
    kind: ActivityKind
    date: date
    notes: str | None = None


MAX_GROUP_NAME = 80


def _group_name(v: Any) -> str | None:
    """A chartered group's public name (shown to the public by GET /groups/nearby)."""
    if v is None:
        return None
    return _required_text(v, MAX_GROUP_NAME)


class _CaseAndName(_Request):
    """A charter's and a plan's case id and the group's public name."""

    @field_validator("case_id", mode="before", check_fields=False)
    @classmethod
    def _case(cls, v: Any) -> str | None:
        return _optional_text(v, 100)

    @field_validator("name", mode="before", check_fields=False)
    @classmethod
    def _name(cls, v: Any) -> str | None:
        return _group_name(v)


class StageMoveRequest(_CaseAndName):
    to: Annotated[Stage, STAGE_NAME]
    note: str | None = None
    case_id: str | None = None
    reason: str | None = None
    name: str | None = None  # at charter: the group's public name (default: its city)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v: Any) -> str | None:
        return _optional_text(v, MAX_NOTES, multiline=True)

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, v: Any) -> str | None:
        if v is None or v == "":
            return None  # required to close: the stage machine says so (422 on reason)
        return _one_of(v, CloseReason).value


class PlanRequest(_CaseAndName):
    case_campaign: str
    national_campaigns: list[str] = Field(default_factory=list, max_length=20)
    growth_goal: int
    partners: list[str] = Field(default_factory=list, max_length=50)
    # The case is offered at the charter, not required: a group chartered without one gets
    # it here, with the plan's campaign on it (field organizers and admins only).
    case_id: str | None = None
    name: str | None = None  # a new public name for the group; absent: unchanged

    @field_validator("case_campaign", mode="before")
    @classmethod
    def _campaign(cls, v: Any) -> str:
        return _required_text(v, MAX_NOTES, multiline=True)

    @field_validator("national_campaigns", "partners", mode="before")
    @classmethod
    def _names(cls, v: Any) -> list[str]:
        if not isinstance(v, list):
            raise _invalid("must be a list of names")
        names = []
        for number, item in enumerate(v, start=1):
            try:
                names.append(_required_text(item, 200))
            except PydanticCustomError as err:
                raise _invalid(f"item {number} {err.message()}") from None
        return names

    @field_validator("growth_goal", mode="before")
    @classmethod
    def _goal(cls, v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 100_000:
            raise _invalid("must be a whole number of members between 1 and 100000")
        return v

    def as_record(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"case_id", "name"})


class _Query(_Request):
    """A query string's parameters: one sent empty (`?state=`) or null counts as not sent."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        return {k: v for k, v in data.items() if not (k in cls.model_fields and v in (None, ""))}


class ListQuery(_Query):
    state: str | None = None
    stage: Annotated[Stage | None, STAGE_NAME] = None
    limit: int = DEFAULT_PAGE
    next_token: str | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, v: Any) -> str:
        code = str(v).strip().upper()
        if not is_state_code(code):
            raise _invalid("must be a two-letter USPS code of a state or territory, like NY or PR")
        return code

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, v: Any) -> int:
        text = str(v).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise _invalid(f"must be a whole number from 1 to {MAX_PAGE}")
        return int(text)


class ReportQuery(_Query):
    format: Literal["json", "csv"] = "json"

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> str:
        if v not in ("json", "csv"):
            raise _invalid("must be json or csv")
        return v


def parse(model: type[M], payload: Mapping[str, Any], **context: Any) -> M:
    """`payload` as `model`, or ValidationFailed with one FieldError per bad field."""
    try:
        return model.model_validate(dict(payload), context=context)
    except ValidationError as err:
        errors: list[FieldError] = []
        for e in err.errors(include_input=False, include_url=False):
            if e["type"] == "extra_forbidden":  # on the body, never by the name the client sent
                unknown = FieldError(*UNKNOWN_FIELDS)
                if unknown not in errors:
                    errors.append(unknown)
                continue
            field = ".".join(str(p) for p in e["loc"]) or "body"
            message = "is required" if e["type"] == "missing" else e["msg"]
            errors.append(FieldError(field=field, message=message))
        raise ValidationFailed(errors) from None
