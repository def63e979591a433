"""Corrections organizers send (DESIGN §2): PATCH of a member or an activity, and the
reassignment of a group. Fields left out stay as they are; a field sent as null is
cleared where it may be empty (a member's email, an activity's notes). Same rules per
field as when the member or activity was added (shared/parsing/organizer.py)."""

from __future__ import annotations

from datetime import date as Day
from datetime import timedelta
from typing import Any

from pydantic import ValidationInfo, field_validator

from shared.domain.stages import ActivityKind, MemberRole
from shared.parsing.inquiry import clean_email
from shared.parsing.organizer import (
    MAX_NOTES,
    _as_field_error,
    _invalid,
    _one_of,
    _optional_text,
    _Request,
    _required_text,
)


class _Correction(_Request):
    def given(self) -> list[str]:
        """The fields the request sets, in the model's order."""
        return [name for name in type(self).model_fields if name in self.model_fields_set]


class MemberCorrection(_Correction):
    name: str | None = None
    email: str | None = None
    role: MemberRole | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> str:
        return _required_text(v, 200)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: Any) -> str | None:
        return _as_field_error(clean_email, v)

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, v: Any) -> MemberRole:
        return _one_of(v, MemberRole)


class ActivityCorrection(_Correction):
    kind: ActivityKind | None = None
    date: Day | None = None
    notes: str | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> ActivityKind:
        return _one_of(v, ActivityKind)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any, info: ValidationInfo) -> Day:
        if not isinstance(v, str) or len(v) != 10:
            raise _invalid("must be a date as YYYY-MM-DD")
        try:
            day = Day.fromisoformat(v)
        except ValueError:
            raise _invalid("must be a date as YYYY-MM-DD") from None
        today: Day = (info.context or {})["today"]
        if day > today + timedelta(days=1):
            raise _invalid("must not be in the future")
        if day.year < 2000:
            raise _invalid("must be in 2000 or later")
        return day

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> str | None:
        return _optional_text(v, MAX_NOTES, multiline=True)


class ReassignRequest(_Request):
    organizer_id: str
    note: str | None = None

    @field_validator("organizer_id", mode="before")
    @classmethod
    def _organizer(cls, v: Any) -> str:
        return _required_text(v, 100)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v: Any) -> str | None:
        return _optional_text(v, MAX_NOTES, multiline=True)
