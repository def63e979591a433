"""Configuration, read once from the environment into validated, frozen settings.

Each concern has its own small settings class so that a function needs only the variables
it uses; a missing or malformed variable fails at cold start with a message that names it
(never its value).

Plain dataclasses, not pydantic models: pydantic's import costs about three quarters of
`import boto3` (bench/cold_start.py), and the public intake, whose cold starts applicants
wait for, needs nothing else of it. The rules here are few: text, whole numbers with a
lower bound, an address, URLs, and JSON objects of known whole-number thresholds.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from shared.domain.follow_up_rules import DEFAULT_FOLLOW_UPS, FollowUpConfig
from shared.domain.stages import DEFAULT_GATES, GateConfig

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class _Invalid(ValueError):
    """One variable's value is missing or not what it must be."""


def _text(value: str | None, *, min_length: int = 1) -> str:
    if value is None or len(value) < min_length:
        raise _Invalid
    return value


def _whole(value: str | None, *, default: int, minimum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _Invalid from None
    if number < minimum:
        raise _Invalid
    return number


def _address(value: str | None) -> str:
    # A plain pattern: email_validator is not worth its import at every cold start.
    if value is None or not _ADDRESS.match(value):
        raise _Invalid
    return value


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _url(value: str | None, *, default: str) -> str:
    """An http(s) URL with a host, ending with "/" (links are built by appending to it)."""
    if value is None or value == "":
        return default
    if not _is_url(value):
        raise _Invalid
    return value if value.endswith("/") else value + "/"


def _links(value: str | None) -> str:
    """Comma-separated http(s) URLs."""
    value = ORIENTATION_LINKS if value is None else value
    if not all(_is_url(link.strip()) for link in value.split(",") if link.strip()):
        raise _Invalid
    return value


def _thresholds(value: str | None, minimums: Mapping[str, int]) -> dict[str, int]:
    """A JSON object of whole-number thresholds ("" or unset: none): unknown names,
    non-integers (true and 2.5 included) and numbers below their minimum are refused."""
    if value is None or value.strip() == "":
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        raise _Invalid from None
    if not isinstance(data, dict):
        raise _Invalid
    for name, number in data.items():
        if name not in minimums or type(number) is not int or number < minimums[name]:
            raise _Invalid
    return data


class _FromEnv:
    """Settings read from the environment: `READERS` gives each field its reader, which reads
    the variable named as the field in capitals (None when it is unset)."""

    READERS: ClassVar[Mapping[str, Callable[[str | None], Any]]]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Self:
        """The settings, or a RuntimeError that names every variable missing or invalid."""
        values, bad = {}, []
        for name, reader in cls.READERS.items():
            try:
                values[name] = reader(env.get(name.upper()))
            except _Invalid:
                bad.append(name.upper())
        if bad:
            raise RuntimeError(f"{cls.__name__}: missing or invalid environment variables: {', '.join(bad)}")
        return cls(**values)


@dataclass(frozen=True)
class TableSettings(_FromEnv):
    table_name: str

    READERS = {"table_name": lambda v: _text(v, min_length=3)}


@dataclass(frozen=True)
class IdempotencySettings(_FromEnv):
    idempotency_table_name: str
    idempotency_ttl_days: int = 14

    READERS = {
        "idempotency_table_name": lambda v: _text(v, min_length=3),
        "idempotency_ttl_days": lambda v: _whole(v, default=14, minimum=1),
    }


@dataclass(frozen=True)
class BusSettings(_FromEnv):
    event_bus_name: str

    READERS = {"event_bus_name": _text}


@dataclass(frozen=True)
class IntakeSettings(_FromEnv):
    # Submissions accepted per source address in one fixed hour window (shared/storage/ratelimit.py).
    rate_limit_per_hour: int = 20

    READERS = {"rate_limit_per_hour": lambda v: _whole(v, default=20, minimum=1)}


PUBLIC_SITE_URL = "https://start-a-group.example.org/"
PUBLIC_API_URL = "https://api.start-a-group.example.org/"
ORGANIZER_APP_URL = "https://start-a-group.example.org/organizers/"
ORIENTATION_LINKS = "https://start-a-group.example.org/orientation/welcome.pdf"


@dataclass(frozen=True)
class EmailSettings(_FromEnv):
    sender_email: str
    public_site_url: str = PUBLIC_SITE_URL
    # Where the API answers the public (the one-click unsubscribe URL in founder emails).
    public_api_url: str = PUBLIC_API_URL
    organizer_app_url: str = ORGANIZER_APP_URL
    # Comma-separated links sent with a charter (orientation materials).
    orientation_links: str = ORIENTATION_LINKS

    READERS = {
        "sender_email": _address,
        "public_site_url": lambda v: _url(v, default=PUBLIC_SITE_URL),
        "public_api_url": lambda v: _url(v, default=PUBLIC_API_URL),
        "organizer_app_url": lambda v: _url(v, default=ORGANIZER_APP_URL),
        "orientation_links": _links,
    }

    @property
    def orientation_link_list(self) -> list[str]:
        return [link.strip() for link in self.orientation_links.split(",") if link.strip()]


@dataclass(frozen=True)
class FounderSettings(_FromEnv):
    """The founder's magic links (DESIGN §2b): the Secrets Manager secret holding the
    signing keys (shared/api/founder_tokens.py), and how long a link stays valid: a status
    link `founder_token_days`, a one-click unsubscribe link (which can only stop email, and
    sits in old emails) `unsubscribe_token_days`."""

    token_secret_id: str
    founder_token_days: int = 30
    unsubscribe_token_days: int = 400

    READERS = {
        "token_secret_id": _text,
        "founder_token_days": lambda v: _whole(v, default=30, minimum=1),
        "unsubscribe_token_days": lambda v: _whole(v, default=400, minimum=1),
    }


@dataclass(frozen=True)
class SendingSettings(_FromEnv):
    """How the sender uses SES: the configuration set that publishes bounces, complaints and
    reputation metrics ("" sends without one: the local stack), and the account's send rate
    shared by the sender's concurrent invocations (the event source's MaximumConcurrency)."""

    ses_configuration_set: str = ""
    ses_max_send_rate: int = 14
    sender_max_concurrency: int = 2

    READERS = {
        "ses_configuration_set": lambda v: v or "",
        "ses_max_send_rate": lambda v: _whole(v, default=14, minimum=1),
        "sender_max_concurrency": lambda v: _whole(v, default=2, minimum=1),
    }

    @property
    def per_invocation_rate(self) -> float:
        return self.ses_max_send_rate / self.sender_max_concurrency


# The consent text the form shows (web/index.html), by version: a group records the version
# its founder agreed to and when. Changing the form's words means a new version here.
CONSENT_TEXT_VERSION = "2026-12-01"
CONSENT_TEXTS = {
    "2026-12-01": {
        "en": "I agree that an organizer may contact me about starting a group.",
        "es": "Acepto que una persona organizadora me contacte para hablar de formar un grupo.",
    },
}


# The gate thresholds GATE_OVERRIDES may set (shared/domain/stages.py GateConfig), and the least
# each may be set to.
GATE_MINIMUMS = {
    "min_conversations": 0,
    "min_core_members": 1,
    "min_meetings": 0,
    "min_meeting_span_days": 0,
    "min_letter_writing": 0,
    "min_events": 0,
    "min_members": 1,
}
# The follow-up thresholds (days) FOLLOW_UP_OVERRIDES may set (shared/domain/follow_up_rules.py).
FOLLOW_UP_MINIMUMS = {
    "first_contact_reminder_days": 1,
    "first_contact_escalation_days": 1,
    "stale_inquiry_days": 1,
    "stalled_days": 1,
    "retention_days": 1,
}


@dataclass(frozen=True)
class GateSettings(_FromEnv):
    # JSON object, e.g. {"min_core_members": 4}; "{}" keeps the seed's defaults (shared/domain/stages.py).
    gate_overrides: dict[str, int] = field(default_factory=dict)

    READERS = {"gate_overrides": lambda v: _thresholds(v, GATE_MINIMUMS)}

    def config(self) -> GateConfig:
        return DEFAULT_GATES.with_overrides(self.gate_overrides)


@dataclass(frozen=True)
class FollowUpSettings(_FromEnv):
    # JSON object of days, e.g. {"stalled_days": 30}; "{}" keeps DESIGN §5's defaults.
    follow_up_overrides: dict[str, int] = field(default_factory=dict)

    READERS = {"follow_up_overrides": lambda v: _thresholds(v, FOLLOW_UP_MINIMUMS)}

    def config(self) -> FollowUpConfig:
        config = replace(DEFAULT_FOLLOW_UPS, **self.follow_up_overrides)
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


# Each kind of settings is read from the environment once per process (reset() forgets them).
table = cache(TableSettings.from_env)
idempotency = cache(IdempotencySettings.from_env)
bus = cache(BusSettings.from_env)
intake = cache(IntakeSettings.from_env)
email = cache(EmailSettings.from_env)
founder = cache(FounderSettings.from_env)
sending = cache(SendingSettings.from_env)


@cache
def gates() -> GateConfig:
    return GateSettings.from_env().config()


@cache
def follow_ups() -> FollowUpConfig:
    return FollowUpSettings.from_env().config()


def reset() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    for f in (table, idempotency, bus, intake, email, founder, sending, gates, follow_ups):
        f.cache_clear()
