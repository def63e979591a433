"""Languages (DESIGN §8): the gettext catalogues are current and complete, translations keep
their placeholders, and a founder's emails come in the language stored with the group while
the organizer's stay English and name it."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.pofile import read_po

from scripts import i18n
from shared.mail.i18n import translate
from tests.conftest import sent_emails
from tests.given import advance, new_group
from tests.pipeline import VALID_FORM, run_async

PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def test_the_compiled_catalogues_are_what_the_po_files_make():
    # `make catalogues` extracts, merges and compiles; committed output must be current
    stale = [path for path, data in i18n.outputs().items() if not path.exists() or path.read_bytes() != data]
    assert stale == []


def test_every_message_has_a_spanish_translation():
    assert i18n.untranslated() == {}


@pytest.mark.parametrize("po", [p for p in i18n.outputs() if p.suffix == ".po"], ids=lambda p: p.name)
def test_translations_keep_their_placeholders(po):
    catalog = read_po(io.BytesIO(po.read_bytes()))
    for message in catalog:
        if message.id:
            assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id)), message.id


def test_english_is_the_message_itself_and_spanish_comes_from_the_catalogue():
    assert translate("en", "Step 1: Learn More") == "Step 1: Learn More"
    assert translate("es", "Step 1: Learn More") == "Paso 1: Infórmate"


def test_a_spanish_founder_gets_spanish_emails_and_the_organizer_english_naming_it(directory, aws):
    # given a founder who filled the form in Spanish
    before = len(sent_emails())
    gid = new_group(
        aws, "lucia@example.com", language="es", name="Lucía Rivera", state="PR", zip="00901", city="San Juan"
    )
    run_async(aws)
    new = sent_emails()[before:]
    founder = [m for m in new if "lucia@example.com" in m.to]
    organizer = [m for m in new if "lucia@example.com" not in m.to]
    # then their acknowledgement is in Spanish
    assert [m.subject for m in founder] == ["Gracias por tu interés en formar un grupo local"]
    assert "Hola, Lucía Rivera:" in founder[0].text
    assert "Paso 1: Infórmate" in founder[0].text
    assert '<html lang="es">' in founder[0].html
    # and the organizer's is English and says the founder's language
    assert organizer[0].subject.startswith("New Start a Group inquiry")
    assert "Language: Spanish" in organizer[0].text
    # and every later founder email too: the stage moves
    before = len(sent_emails())
    advance(gid, "organize_core")
    run_async(aws)
    moved = [m for m in sent_emails()[before:] if "lucia@example.com" in m.to]
    assert [m.subject for m in moved] == ["El próximo paso de tu grupo: Paso 2: Organiza un núcleo"]
    assert "al menos 3 miembros del núcleo" in moved[0].text
    to_organizer = [m for m in sent_emails()[before:] if "lucia@example.com" not in m.to]
    assert "The founder's language is Spanish" in to_organizer[0].text


def test_an_english_founder_is_unchanged(directory, aws):
    before = len(sent_emails())
    new_group(aws, "ana@example.com", **{k: v for k, v in VALID_FORM.items() if k != "email"})
    run_async(aws)
    founder = [m for m in sent_emails()[before:] if "ana@example.com" in m.to]
    assert [m.subject for m in founder] == ["Thank you for your interest in starting a local group"]
    assert founder[0].text.startswith("Dear Ana Souza,")


def test_a_language_other_than_en_or_es_is_422(aws):
    from tests.pipeline import submit

    response = submit(aws, {**VALID_FORM, "language": "fr"})
    assert response.status == 422
    assert [e["field"] for e in response.body["errors"]] == ["language"]


def test_the_spanish_form_shows_the_spanish_consent_text_of_the_version_recorded():
    # the version a founder agrees to names the words they saw, in either language
    import json

    from shared.settings import CONSENT_TEXT_VERSION, CONSENT_TEXTS

    texts = CONSENT_TEXTS[CONSENT_TEXT_VERSION]
    spanish = json.loads((i18n.WEB_I18N / "es.json").read_text())
    assert spanish[texts["en"]] == texts["es"]


def test_the_answer_to_a_spanish_form_says_what_happens_next_in_spanish(directory, aws):
    from tests.pipeline import submit

    answer = submit(aws, {**VALID_FORM, "email": "lucia@example.com", "language": "es"})
    assert answer.status == 202
    assert "se pondrá en contacto contigo" in answer.body["next_step"]
    assert "Infórmate" in answer.body["next_step"]
