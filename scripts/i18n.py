"""The translations (DESIGN §8), with Babel: extract the English messages, merge them into
each language's catalogue (.po, where people write the translations), compile.

    .venv/bin/python -m scripts.i18n            # `make catalogues`: extract, update the .po, compile
    .venv/bin/python -m scripts.i18n --check    # exit 1 when anything compiled or extracted is stale

Two catalogues per language, both gettext .po files compiled by Babel:
- emails to founders: shared/mail/locale/<lang>/LC_MESSAGES/messages.po → messages.mo, read
  by Jinja2's i18n extension (`{% trans %}` in shared/mail/templates/) and by gettext in
  Python (strings marked N_(...) or translate(language, "...")).
- the public form: web/i18n/<lang>.po → web/i18n/<lang>.json ({English: translation}), read
  by web/form.js; messages are the text of elements marked data-i18n (and optgroup labels
  marked data-i18n-label) in web/index.html and the t("...") and N_("...") strings of form.js.
The compiled files are committed (the Lambda layer and the static site ship them as they
are); tests/test_i18n.py runs --check, so a stale one fails the suite.
"""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["es"]
MAIL_LOCALE = ROOT / "shared" / "mail" / "locale"
WEB_I18N = ROOT / "web" / "i18n"
STATUS = ROOT / "web" / "status"  # the founder's page: web/status/strings.js, one dictionary per language
PROJECT = "Start a Group"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)

MAIL_SOURCES = [  # (glob under the root, Babel extraction method), in this order
    ("shared/mail/templates/*.txt", "jinja2.ext:babel_extract"),
    ("shared/mail/templates/*.html", "jinja2.ext:babel_extract"),
    ("shared/domain/program.py", "python"),
    ("shared/mail/*.py", "python"),
    ("shared/mail/planners/*.py", "python"),
    ("shared/usecases/join.py", "python"),
    ("shared/usecases/intake.py", "python"),
]
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
KEYWORDS = {"N_": None, "_": None, "gettext": None, "translate": (2,)}


def mail_messages() -> list[str]:
    found: list[str] = []
    for pattern, method in MAIL_SOURCES:
        options = JINJA_OPTIONS if method.startswith("jinja2") else {}
        for path in sorted(ROOT.glob(pattern)):
            for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS, options=options
            ):
                if isinstance(message, str) and message not in found:
                    found.append(message)
    return found


class _Marked(HTMLParser):
    """The text of every element marked data-i18n, and the label of data-i18n-label ones."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if "data-i18n-label" in names and names.get("label"):
            self.messages.append(str(names["label"]))
        if "data-i18n" in names:
            self._open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, parts = self._open.pop()
            self.messages.append(" ".join("".join(parts).split()))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].append(data)


_JS_STRING = re.compile(r"""\b(?:t|N_)\(\s*"((?:[^"\\]|\\.)*)\"""")


def web_messages() -> list[str]:
    parser = _Marked()
    parser.feed((ROOT / "web" / "index.html").read_text())
    found = list(parser.messages)
    for raw in _JS_STRING.findall((ROOT / "web" / "form.js").read_text()):
        found.append(json.loads(f'"{raw}"'))
    return list(dict.fromkeys(found))


_STATUS_ENTRY = re.compile(r'^    "([\w.]+)": "((?:[^"\\]|\\.)*)",$')
_GENERATED = "  // Generated from web/status/{lang}.po by scripts/i18n.py (make catalogues): edit the .po."


def status_messages() -> list[tuple[str, str]]:
    """The founder's page's English dictionary: (id, text), the id as the message context."""
    found, inside = [], False
    for line in (STATUS / "strings.js").read_text().splitlines():
        if line == "  en: {":
            inside = True
        elif inside and line == "  },":
            break
        elif inside and (match := _STATUS_ENTRY.match(line)):
            found.append((match[1], json.loads(f'"{match[2]}"')))
    return found


def _status_js(catalogs: dict[str, Catalog]) -> bytes:
    """strings.js with each language's dictionary (after `en`) made from its catalogue."""
    lines = (STATUS / "strings.js").read_text().splitlines()
    out, skipping = [], False
    for line in lines:
        if any(line == _GENERATED.format(lang=lang) for lang in LANGUAGES):
            skipping = True
            continue
        if skipping:
            skipping = line != "  },"
            continue
        out.append(line)
        if line == "  }," and not any(o.startswith("  // Generated") for o in out):
            for lang, catalog in catalogs.items():
                out.append(_GENERATED.format(lang=lang))
                out.append(f"  {lang}: {{")
                for message_id, english in status_messages():
                    message = catalog.get(english, context=message_id)
                    text = message.string if message is not None and message.string else english
                    out.append(f"    {json.dumps(message_id)}: {json.dumps(text, ensure_ascii=False)},")
                out.append("  },")
    return ("\n".join(out) + "\n").encode()


def _template(messages: list[str] | list[tuple[str, str]]) -> Catalog:
    template = Catalog(project=PROJECT, charset="utf-8")
    for message in messages:
        if isinstance(message, tuple):
            template.add(message[1], context=message[0])
        else:
            template.add(message)
    return template


def _updated(po_path: Path, language: str, messages: list[str] | list[tuple[str, str]]) -> Catalog:
    if po_path.exists():
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=language)
    else:
        catalog = Catalog(locale=language, project=PROJECT, charset="utf-8")
    catalog.update(_template(messages), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    # The .po files carry no header: fixed dates keep every build of the .mo byte for byte
    # the same (Babel would stamp "now"), so the test can compare.
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=True, sort_output=False, no_location=True)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _json_bytes(catalog: Catalog) -> bytes:
    table = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    return (json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def outputs() -> dict[Path, bytes]:
    """Every file this script writes, as it would write it now."""
    files: dict[Path, bytes] = {}
    mail, web, status = mail_messages(), web_messages(), status_messages()
    status_catalogs = {}
    for language in LANGUAGES:
        po = MAIL_LOCALE / language / "LC_MESSAGES" / "messages.po"
        catalog = _updated(po, language, mail)
        files[po] = _po_bytes(catalog)
        files[po.with_suffix(".mo")] = _mo_bytes(catalog)
        po = WEB_I18N / f"{language}.po"
        catalog = _updated(po, language, web)
        files[po] = _po_bytes(catalog)
        files[WEB_I18N / f"{language}.json"] = _json_bytes(catalog)
        po = STATUS / f"{language}.po"
        status_catalogs[language] = catalog = _updated(po, language, status)
        files[po] = _po_bytes(catalog)
    files[STATUS / "strings.js"] = _status_js(status_catalogs)
    return files


def untranslated() -> dict[Path, list[str]]:
    """Messages a language's catalogue has no translation for yet."""
    missing: dict[Path, list[str]] = {}
    for path, data in outputs().items():
        if path.suffix == ".po":
            catalog = read_po(io.BytesIO(data))
            gaps = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
            if gaps:
                missing[path] = gaps
    return missing


def main(argv: list[str]) -> int:
    files = outputs()
    if "--check" in argv:
        stale = [str(p.relative_to(ROOT)) for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        for path in stale:
            print(f"stale: {path} (run make catalogues)")
        return 1 if stale else 0
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)}")
    for path, gaps in untranslated().items():
        print(f"{path.relative_to(ROOT)}: {len(gaps)} message(s) still to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
