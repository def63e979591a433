"""The organizer directory as a file (data/organizers.yaml): its format and its checks.

Only tooling reads the file (the loader, the local stack, tests); the functions read the
directory from the table (shared/storage/directory.py), so none of them imports this module or
pydantic for it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.domain.geography import STATE_CODES
from shared.domain.routing import Role


class OrganizerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1, max_length=120)
    role: Role
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    states: tuple[str, ...] = Field(min_length=1)
    zip_prefixes: tuple[str, ...] = ()

    @field_validator("states")
    @classmethod
    def _known_states(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(v) - STATE_CODES)
        if unknown:
            raise ValueError(f"unknown state codes {unknown}")
        return v

    @field_validator("zip_prefixes")
    @classmethod
    def _prefixes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in v if not (p.isdigit() and 1 <= len(p) <= 5)]
        if bad:
            raise ValueError(f"ZIP prefixes must be 1 to 5 digits: {bad}")
        return v

    @model_validator(mode="after")
    def _prefixes_for_coordinators(self) -> OrganizerEntry:
        if self.zip_prefixes and self.role is not Role.AREA_COORDINATOR:
            raise ValueError("only area coordinators are assigned ZIP prefixes")
        if self.zip_prefixes and len(self.states) != 1:
            raise ValueError("a coordinator with ZIP prefixes covers exactly one state")
        return self


class InboxEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    national_inbox: InboxEntry
    organizers: tuple[OrganizerEntry, ...]
    # The national admins' sign-in emails: the organizer API treats a token of the admins
    # group as an admin only while its email is listed here (shared/api/auth.py).
    admins: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")], ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> DirectoryFile:
        for attr in ("id", "email"):
            values = [getattr(o, attr).casefold() for o in self.organizers]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate organizer {attr}s: {dupes}")
        return self


def parse_directory_file(text: str) -> DirectoryFile:
    import yaml  # lazy: tooling only (the Lambda functions never load the file)

    return DirectoryFile.model_validate(yaml.safe_load(text))
