"""Configuration, read once from the environment into validated models.

Each concern has its own small model so that a function needs only the variables it
uses; a missing or malformed variable fails at cold start with a clear message.
"""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError


class _Env(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

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


def reset() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    for f in (table, idempotency, bus, intake, email):
        f.cache_clear()
