"""The languages founders read (DESIGN §8): English, and Spanish from the gettext catalogue
shared/mail/locale/es/LC_MESSAGES/messages.mo, compiled by Babel from messages.po
(`make catalogues`; a test checks the compiled file is current). Organizer emails stay
English; they name the founder's language."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

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
