"""The languages founders read (DESIGN §8): English, and Spanish from the gettext catalogue
shared/mail/locale/es/LC_MESSAGES/messages.mo, compiled by Babel from messages.po
(`make catalogues`; a test checks the compiled file is current). Organizer emails stay
English; they name the founder's language."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from shared.domain.program import STEP_TEXTS, STEP_TITLES
from shared.domain.stages import GateConfig, GroupFacts, Stage, gate_asks, requirements

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}  # as organizers read them


def language_of(value: str | None) -> str:
    """A stored language, or English for groups from before languages (or anything else)."""
    return value if value in LANGUAGES else "en"


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language_of(language) == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])


def translate(language: str, message: str) -> str:
    """One message in `language` (the English text is the message id)."""
    return translations(language).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction only"
    return message


# Shown to founders where they are named (shared/domain/routing.py ROLE_TITLES).
ROLE_WORDS = (N_("Area Coordinator"), N_("Field Organizer"))


# What each exit-gate requirement asks for (shared/domain/stages.py), with its number from the
# gate settings, as a founder reads it in another language. English keeps the domain's words.
GATE_ASKS = {
    "conversation": (N_("at least {n} conversation logged (the informal Learn More conversation with an organizer)"), "min_conversations"),  # noqa: E501
    "core_members": (N_("at least {n} core members (the founder counts as the first)"), "min_core_members"),
    "meetings": (N_("at least {n} meetings logged"), "min_meetings"),
    "meeting_span_days": (N_("meetings spanning at least {n} days, first to last"), "min_meeting_span_days"),
    "letter_writing": (N_("at least {n} letter-writing action"), "min_letter_writing"),
    "events": (N_("at least {n} event (the group's first event)"), "min_events"),
    "members": (N_("at least {n} members, core members and the founder included"), "min_members"),
    "case_id": (N_("an individual case, assigned by a Field Organizer with the charter"), None),
    "plan": (N_("a plan recorded: case campaign, national campaigns, growth goal, partners"), None),
}  # fmt: skip


def gate_asks_in(language: str, stage: Stage, gates: GateConfig) -> list[str]:
    """What the exit gate of `stage` asks for, in `language`."""
    if language_of(language) == "en":
        return gate_asks(stage, gates)
    out = []
    for requirement in requirements(GroupFacts(stage=stage), gates):
        message, setting = GATE_ASKS[requirement.key]
        number = getattr(gates, setting) if setting else ""
        out.append(translate(language, message).format(n=number))
    return out


def unmet_in(language: str, unmet: list[str], gates: GateConfig) -> list[str]:
    """The `key: asks; have n` texts of unmet requirements (follow-up facts), in `language`."""
    if language_of(language) == "en":
        return list(unmet)
    out = []
    for text in unmet:
        key = text.split(":", 1)[0]
        have = text.rsplit("; have ", 1)[1] if "; have " in text else None
        message, setting = GATE_ASKS.get(key, (text, None))
        line = translate(language, message).format(n=getattr(gates, setting) if setting else "")
        if have is not None:
            line += translate(language, "; so far {have}").format(have=have)
        out.append(line)
    return out


def step_title(language: str, stage: str) -> str:
    return translate(language, STEP_TITLES[stage])


def step_text(language: str, stage: str) -> str:
    return translate(language, STEP_TEXTS[stage])
