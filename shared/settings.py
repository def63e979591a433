"""Configuration, read once from the environment into validated models.

Each concern has its own small model so that a function needs only the variables it
uses; a missing or malformed variable fails at cold start with a clear message.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, ValidationError

if TYPE_CHECKING:
    from shared.followups import FollowUpConfig
    from shared.stages import GateConfig


class _Env(BaseModel):
    # Built on first use: each function reads two or three of these settings, not all.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_env(cls):
        try:
            return cls.model_validate({k.lower(): v for k, v in os.environ.items()})
        except ValidationError as err:
            names = ", ".join(str(e["loc"][0]).upper() for e in err.errors())
            raise RuntimeError(f"{cls.__name__}: missing or invalid environment variables: {names}") from None


class TableSettings(_Env):
    table_name: str = Field(min_length=3)


class IdempotencySettings(_Env):
    idempotency_table_name: str = Field(min_length=3)
    idempotency_ttl_days: int = Field(default=14, ge=1)


class BusSettings(_Env):
    event_bus_name: str = Field(min_length=1)


class IntakeSettings(_Env):
    # Submissions accepted per source address in one rolling hour window.
    rate_limit_per_hour: int = Field(default=20, ge=1)


class EmailSettings(_Env):
    # A plain pattern, not EmailStr: email_validator is not worth its import at every cold start.
    sender_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
    public_site_url: HttpUrl = HttpUrl("https://start-a-group.example.org/")
    organizer_app_url: HttpUrl = HttpUrl("https://start-a-group.example.org/organizers/")
    # Comma-separated links sent with a charter (orientation materials).
    orientation_links: str = "https://start-a-group.example.org/orientation/welcome.pdf"

    @property
    def orientation_link_list(self) -> list[str]:
        return [link.strip() for link in self.orientation_links.split(",") if link.strip()]


class GateThresholds(BaseModel):
    """Overrides of the exit-gate thresholds; unknown names and negative numbers refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    min_conversations: int | None = Field(default=None, ge=0)
    min_core_members: int | None = Field(default=None, ge=1)
    min_meetings: int | None = Field(default=None, ge=0)
    min_meeting_span_days: int | None = Field(default=None, ge=0)
    min_letter_writing: int | None = Field(default=None, ge=0)
    min_events: int | None = Field(default=None, ge=0)
    min_members: int | None = Field(default=None, ge=1)


def _json_object(value: object) -> object:
    """An environment variable holding a JSON object ("" or unset: no overrides)."""
    return json.loads(value or "{}") if isinstance(value, str) else value


class GateSettings(_Env):
    # JSON object, e.g. {"min_core_members": 4}; "{}" keeps the seed's defaults (shared/stages.py).
    gate_overrides: Annotated[GateThresholds, BeforeValidator(_json_object)] = GateThresholds()

    def config(self) -> GateConfig:
        from shared.stages import DEFAULT_GATES

        return DEFAULT_GATES.with_overrides(self.gate_overrides.model_dump(exclude_none=True))


class FollowUpThresholds(BaseModel):
    """Overrides of the follow-up thresholds (days); unknown names and zero refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    first_contact_reminder_days: int | None = Field(default=None, ge=1)
    first_contact_escalation_days: int | None = Field(default=None, ge=1)
    stale_inquiry_days: int | None = Field(default=None, ge=1)
    stalled_days: int | None = Field(default=None, ge=1)


class FollowUpSettings(_Env):
    # JSON object, e.g. {"stalled_days": 30}; "{}" keeps DESIGN §5's defaults (shared/followups.py).
    follow_up_overrides: Annotated[FollowUpThresholds, BeforeValidator(_json_object)] = FollowUpThresholds()

    def config(self) -> FollowUpConfig:
        from dataclasses import replace

        from shared.followups import DEFAULT_FOLLOW_UPS

        config = replace(DEFAULT_FOLLOW_UPS, **self.follow_up_overrides.model_dump(exclude_none=True))
        chain = (config.first_contact_reminder_days, config.first_contact_escalation_days, config.stale_inquiry_days)
        if not chain[0] < chain[1] < chain[2]:
            # The first-contact chain is a ladder: remind, then escalate, then close.
            raise RuntimeError(
                "FollowUpSettings: FOLLOW_UP_OVERRIDES must keep first_contact_reminder_days < "
                f"first_contact_escalation_days < stale_inquiry_days (they would be {chain})"
            )
        return config


HOTLINE = "866-273-4466"
HOTLINE_LETTERS = "866-A-REGION"


@cache
def table() -> TableSettings:
    return TableSettings.from_env()


@cache
def idempotency() -> IdempotencySettings:
    return IdempotencySettings.from_env()


@cache
def bus() -> BusSettings:
    return BusSettings.from_env()


@cache
def intake() -> IntakeSettings:
    return IntakeSettings.from_env()


@cache
def email() -> EmailSettings:
    return EmailSettings.from_env()


@cache
def gates() -> GateConfig:
    return GateSettings.from_env().config()


@cache
def follow_ups() -> FollowUpConfig:
    return FollowUpSettings.from_env().config()


def reset() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    for f in (table, idempotency, bus, intake, email, gates, follow_ups):
        f.cache_clear()
