"""Corrections organizers send (DESIGN §2): PATCH of a member or an activity, and the
reassignment of a group. Fields left out stay as they are; a field sent as null is
cleared where it may be empty (a member's email, an activity's notes). Same rules per
field as when the member or activity was added (shared/parsing/organizer.py)."""

from __future__ import annotations

from datetime import date as Day
from typing import Any

from pydantic import field_validator

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.stages import ActivityKind, MemberRole
from shared.parsing.organizer import MAX_NOTES, ActivityFields, MemberFields, _optional_text, _Request, _required_text


class _Correction(_Request):
    def given(self) -> list[str]:
        """The fields the request sets, in the model's order; 422 when it sets none."""
        names = list(type(self).model_fields)
        fields = [name for name in names if name in self.model_fields_set]
        if not fields:
            raise ValidationFailed(
                [FieldError("body", f"send at least one of {', '.join(names)}")], detail="Nothing to change."
            )
        return fields


class MemberCorrection(MemberFields, _Correction):
    name: str | None = None
    email: str | None = None
    role: MemberRole | None = None


class ActivityCorrection(ActivityFields, _Correction):
    kind: ActivityKind | None = None
    date: Day | None = None
    notes: str | None = None


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
