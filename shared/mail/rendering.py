"""Templates rendered to an email's text and HTML parts, where nothing a person typed is a link.

Templates autoescape HTML, and every value they print is made inert (no mail client links
it) unless it is `Ours`: a link or address of our own making.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.mail.i18n import translations
from shared.settings import HOTLINE, HOTLINE_LETTERS

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
# Where a founder's status link goes in a template; shared/mail/founder_mail.py puts the
# fresh link there (and in every founder email's footer) just before sending.
LINK_PLACEHOLDER = "https://status-link.invalid/"


class Ours(str):
    """Text of our own making, shown as it is: links we build (a mailto: to an address the
    form validated among them), the directory's addresses, E.164 phone numbers. Templates
    mark it with `| ours`; everything else they print is inert."""


WORD_JOINER = "\u2060"
_LINKABLE = re.compile(r"(?<=[.@])(?=\w)|(?<=:)(?=//)")


def inert(text: str) -> str:
    """`text` as it reads, but that no mail client turns into a link: an invisible word
    joiner after every dot or @ inside a word and in every "://" (Gmail, Outlook and Apple
    Mail link bare `https://...`, `www.example.org` and `name@example.org` on their own)."""
    return _LINKABLE.sub(WORD_JOINER, text)


def _finalize(value: object) -> object:
    """Every value a template prints is inert unless it is Ours (autoescaping, which comes
    after, keeps it from becoming markup)."""
    if isinstance(value, Ours) or not isinstance(value, str):
        return value
    from markupsafe import Markup  # lazy: cold start (comes with jinja2)

    if isinstance(value, Markup):  # already escaped (e.g. by `join`): the joiners keep it so
        return Markup(inert(str(value)))  # noqa: S704 - escaped already; only joiners are added
    return inert(value)


@cache
def _environment(language: str = "en") -> Environment:
    """One environment per language: `{% trans %}` blocks read that language's catalogue
    (shared/mail/i18n.py). A trans block's whole output goes through `finalize` (made inert),
    so our own links and addresses stand outside trans blocks."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # lazy: cold start

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["ours"] = Ours
    env.globals["language"] = language
    return env


def render(name: str, language: str = "en", /, **context: Any) -> tuple[str, str]:
    """A template's text and HTML parts, in `language` (founder emails; organizers: en)."""
    env = _environment(language)
    common = {"hotline": HOTLINE, "hotline_letters": HOTLINE_LETTERS, **context}
    return env.get_template(f"{name}.txt").render(common), env.get_template(f"{name}.html").render(common)
