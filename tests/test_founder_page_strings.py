"""The founder's page keeps every word in web/status/strings.js, one dictionary per language
keyed by id: each id the page asks for exists in English, and every other language has the
same ids with the same {placeholders} (a translation that drops {name} would show a hole)."""

from __future__ import annotations

import re

import pytest

from local.template import ROOT
from shared.domain.stages import Stage

PAGE = ROOT / "web" / "status"
LANGUAGE = re.compile(r"^  (\w+): \{$")
ENTRY = re.compile(r'^    "([\w.]+)": "((?:[^"\\]|\\.)*)",$')
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def dictionaries() -> dict[str, dict[str, str]]:
    """strings.js read as data: its layout is one `"id": "text",` per line."""
    found: dict[str, dict[str, str]] = {}
    current = None
    for line in (PAGE / "strings.js").read_text().splitlines():
        if match := LANGUAGE.match(line):
            current = found.setdefault(match[1], {})
        elif current is not None and (match := ENTRY.match(line)):
            current[match[1]] = match[2]
        elif current is not None and line.startswith('    "'):
            pytest.fail(f"strings.js: not one entry per line: {line.strip()}")
    return found


def ids_the_page_asks_for() -> set[str]:
    code = "\n".join(p.read_text() for p in PAGE.glob("*.js") if p.name != "strings.js")
    # every "dotted.id" literal: t("a.b"), heading("a.b"), t(cond ? "a.b" : "a.c")
    literal = set(re.findall(r'"([a-z_]+(?:\.[a-z_]+)+)"', code)) | set(re.findall(r'\bt\("([a-z_]+)"', code))
    html = (PAGE / "index.html").read_text()
    literal |= set(re.findall(r'data-text="([\w.]+)"', html))
    # ids built from the program's own codes
    stages = [s.value for s in Stage]
    built = {f"stage.name.{s}" for s in stages} | {f"stage.words.{s}" for s in stages}
    built |= {
        f"closed.reason.{r}"
        for r in ("not_a_fit", "joined_existing_group", "no_response", "withdrawn", "duplicate", "other")
    }
    built |= {
        f"kind.{k}" for k in ("meeting", "letter_writing", "event", "recruitment", "conversation", "contact_attempt")
    }
    built |= {f"report.kind.{k}" for k in ("meeting", "letter_writing", "event", "recruitment")}
    built |= {f"organizer.role.{r}" for r in ("area_coordinator", "field_organizer")}
    built |= {
        f"gate.{k}"
        for k in (
            "conversation",
            "core_members",
            "meetings",
            "meeting_span_days",
            "letter_writing",
            "events",
            "members",
            "case_id",
            "plan",
        )
    }
    return literal | built


def test_every_word_the_page_asks_for_is_in_the_english_dictionary():
    english = dictionaries()["en"]

    missing = sorted(ids_the_page_asks_for() - set(english))

    assert missing == []


def test_every_other_language_has_the_same_ids_and_placeholders_as_english():
    found = dictionaries()
    english = found.pop("en")
    for language, words in found.items():
        assert set(words) == set(english), f"{language}: ids differ from en"
        for key, text in words.items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), f"{language}: {key}"


def test_the_dictionary_reader_sees_the_english_words():
    english = dictionaries()["en"]

    assert english["link.submit"] == "Email me my link"
    assert len(english) > 100
