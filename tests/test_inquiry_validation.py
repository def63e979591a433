"""The form's rules (DESIGN §2), first as a pure function, then as HTTP answers."""

from __future__ import annotations

import json
import unicodedata

import pytest

from shared.domain.errors import ValidationFailed
from shared.parsing.inquiry import parse_inquiry
from tests.pipeline import VALID_FORM, call_api, post_form, submit


def errors_of(payload: dict) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_inquiry(payload)
    return {e.field: e.message for e in caught.value.errors}


def test_a_valid_form_is_normalized():
    inquiry = parse_inquiry({**VALID_FORM, "name": "  Ana Souza ", "state": "ca", "email": "Ana@EXAMPLE.com"})
    assert inquiry.name == "Ana Souza"
    assert inquiry.state == "CA"
    assert inquiry.phone == "+14155550142"
    assert inquiry.email_key == "ana@example.com"


def test_text_is_nfc_normalized():
    decomposed = unicodedata.normalize("NFD", "José Müller")
    inquiry = parse_inquiry({**VALID_FORM, "name": decomposed, "city": unicodedata.normalize("NFD", "Hagåtña")})
    assert inquiry.name == "José Müller"
    assert unicodedata.is_normalized("NFC", inquiry.name)
    assert inquiry.city == "Hagåtña"


@pytest.mark.parametrize("field", ["name", "email", "city", "state", "zip", "consent"])
def test_each_required_field_is_required(field):
    payload = {k: v for k, v in VALID_FORM.items() if k != field}
    assert errors_of(payload) == {field: "is required" if field != "consent" else "is required"}


@pytest.mark.parametrize("field", ["name", "city", "email", "zip"])
def test_blank_text_counts_as_missing(field):
    assert field in errors_of({**VALID_FORM, field: "   "})


@pytest.mark.parametrize("consent", [False, "true", 1, None])
def test_consent_must_be_the_boolean_true(consent):
    assert "consent" in errors_of({**VALID_FORM, "consent": consent})


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "ana@@example.com", "ana@exa mple.com"])
def test_bad_emails_are_refused(email):
    assert "email" in errors_of({**VALID_FORM, "email": email})


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("(212) 555-0123", "+12125550123"),
        ("415-555-0142", "+14155550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", None),
        (None, None),
    ],
)
def test_phones_are_stored_as_e164_when_given(phone, e164):
    assert parse_inquiry({**VALID_FORM, "phone": phone}).phone == e164


@pytest.mark.parametrize("phone", ["123", "555-555-5555", "+1 000 000 0000", "call me"])
def test_phones_that_are_not_real_numbers_are_refused(phone):
    assert "phone" in errors_of({**VALID_FORM, "phone": phone})


@pytest.mark.parametrize("state", ["XX", "California", "C", "", "UM", "FM"])
def test_states_must_be_a_usps_code_the_program_serves(state):
    assert "state" in errors_of({**VALID_FORM, "state": state})


@pytest.mark.parametrize("state", ["DC", "PR", "GU", "VI", "AS", "MP", "WY"])
def test_territories_and_dc_are_accepted(state):
    assert parse_inquiry({**VALID_FORM, "state": state}).state == state


@pytest.mark.parametrize("zip_code", ["9411", "941100", "94110-12", "ABCDE", "94110 1234"])
def test_bad_zips_are_refused(zip_code):
    assert "zip" in errors_of({**VALID_FORM, "zip": zip_code})


def test_zip_plus_four_is_accepted():
    assert parse_inquiry({**VALID_FORM, "zip": "94110-1234"}).zip == "94110-1234"


def test_message_of_2000_characters_is_accepted_and_2001_is_not():
    assert len(parse_inquiry({**VALID_FORM, "message": "x" * 2000}).message) == 2000
    assert "message" in errors_of({**VALID_FORM, "message": "x" * 2001})


def test_message_may_have_line_breaks_but_not_other_control_characters():
    assert parse_inquiry({**VALID_FORM, "message": "line one\nline two\ttab"}).message == "line one\nline two\ttab"
    assert errors_of({**VALID_FORM, "message": "bell\x07"}) == {"message": "must not contain control characters"}


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\x7f", "\x85"])
def test_control_characters_are_refused_in_names(char):
    assert errors_of({**VALID_FORM, "name": f"Ana{char}Souza"}) == {"name": "must not contain control characters"}


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_are_refused(char):
    assert "bidirectional" in errors_of({**VALID_FORM, "city": f"San{char} Francisco"})["city"]


@pytest.mark.parametrize("field", ["name", "city", "message"])
@pytest.mark.parametrize("char", ["\ud800", "\ufffe", "\ufdd0", "\U0010ffff"])
def test_lone_surrogates_and_noncharacters_are_refused(field, char):
    # DynamoDB cannot store a lone surrogate: accepted, it would fail the write (a 500).
    assert errors_of({**VALID_FORM, field: f"Ana{char}"}) == {field: "must not contain invalid characters"}


def test_characters_newer_than_pythons_unicode_tables_are_kept():
    # U+1FAE9 is an emoji of Unicode 16; Python 3.13 knows Unicode 15.1 and calls it unassigned.
    assert parse_inquiry({**VALID_FORM, "message": "See you soon \U0001fae9"}).message == "See you soon \U0001fae9"


@pytest.mark.parametrize("field", ["name", "city"])
@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_line_separators_are_refused_in_one_line_fields(field, char):
    # The city and the name go into email subjects, where a line break cannot be.
    assert errors_of({**VALID_FORM, field: f"San{char}Francisco"}) == {field: "must be on one line"}


def test_a_message_keeps_its_line_breaks_as_newlines_whatever_the_convention():
    message = "one\r\ntwo\rthree\u2028four\u2029five"
    assert parse_inquiry({**VALID_FORM, "message": message}).message == "one\ntwo\nthree\nfour\nfive"


@pytest.mark.parametrize("char", ["\u200b", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_zero_width_characters_are_dropped_from_names(char):
    # Pasted text carries them; in a name they only hide what the name really is.
    assert parse_inquiry({**VALID_FORM, "name": f"{char}Ana{char}Souza"}).name == "AnaSouza"


@pytest.mark.parametrize(
    "name",
    [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a zero-width non-joiner
        "\u05d3\u05e0\u05d4\u200f Cohen",  # Hebrew then Latin, with a right-to-left mark
        "\u0915\u094d\u200d\u0937",  # Devanagari with a zero-width joiner
        "Ana \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # the flag of England (tags)
    ],
)
def test_the_joiners_and_direction_marks_that_scripts_need_are_kept(name):
    assert parse_inquiry({**VALID_FORM, "name": name}).name == name


def test_an_international_domain_is_stored_in_its_ascii_form():
    assert parse_inquiry({**VALID_FORM, "email": "ana@ex\u00e4mple.org"}).email == "ana@xn--exmple-cua.org"


def test_a_mailbox_name_that_email_cannot_carry_is_refused():
    # SES sends only ASCII mailbox names: accepted, the confirmation could never be sent.
    assert "email" in errors_of({**VALID_FORM, "email": "jos\u00e9@example.org"})


@pytest.mark.parametrize("value", [123, ["Ana"], {"first": "Ana"}, True])
def test_non_text_values_are_refused(value):
    assert errors_of({**VALID_FORM, "name": value}) == {"name": "must be text"}


def test_every_bad_field_is_reported_at_once():
    assert set(errors_of({"email": "x", "state": "ZZ", "consent": False})) == {
        "name", "email", "city", "state", "zip", "consent"
    }  # fmt: skip


def test_a_retry_has_the_same_fingerprint_and_other_words_do_not():
    a = parse_inquiry(VALID_FORM)
    assert a.fingerprint() == parse_inquiry({**VALID_FORM, "email": VALID_FORM["email"].upper()}).fingerprint()
    assert a.fingerprint() != parse_inquiry({**VALID_FORM, "message": "other"}).fingerprint()


# --- the same rules, answered over HTTP -------------------------------------------------


def assert_problem(response, status: int) -> dict:
    assert response.status == status
    assert response.content_type == "application/problem+json"
    body = response.body
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


def test_invalid_fields_get_a_422_problem_with_per_field_errors(directory, aws):
    body = assert_problem(submit(aws, {**VALID_FORM, "zip": "nope", "phone": "123"}), 422)
    assert sorted(e["field"] for e in body["errors"]) == ["phone", "zip"]


def test_the_problem_never_echoes_the_input(directory, aws):
    secret = "<script>alert('x')</script>"
    response = submit(aws, {**VALID_FORM, "email": secret, "state": secret})
    assert secret not in json.dumps(response.body)
    assert "script" not in json.dumps(response.body)


def test_malformed_json_is_a_400(aws):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body="{not json",
                        headers={"content-type": "application/json"})  # fmt: skip
    assert_problem(response, 400)


@pytest.mark.parametrize("raw", ["[]", '"text"', "null", "42"])
def test_a_body_that_is_not_an_object_is_a_400(aws, raw):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=raw,
                        headers={"content-type": "application/json"})  # fmt: skip
    assert_problem(response, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_a_415(aws, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=json.dumps(VALID_FORM), headers=headers)
    assert_problem(response, 415)


def test_json_with_a_charset_is_accepted(directory, aws):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=json.dumps(VALID_FORM),
                        headers={"content-type": "application/json; charset=utf-8"})  # fmt: skip
    assert response.status == 202


def test_a_body_over_16_kib_is_a_413_and_16_kib_is_not(directory, aws):
    padding = " " * (16 * 1024 - len(json.dumps(VALID_FORM)))
    at_limit = json.dumps(VALID_FORM) + padding
    assert len(at_limit.encode()) == 16 * 1024
    headers = {"content-type": "application/json"}
    assert call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=at_limit, headers=headers).status == 202
    over = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=at_limit + " ", headers=headers)
    assert_problem(over, 413)


def test_a_base64_encoded_body_is_decoded(directory, aws):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=json.dumps(VALID_FORM).encode(),
                        headers={"content-type": "application/json"})  # fmt: skip
    assert response.status == 202


@pytest.mark.parametrize("raw", ["[" * 16000, '{"a":' * 3000])
def test_a_body_nested_too_deeply_is_a_400(aws, raw):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=raw,
                        headers={"content-type": "application/json"})  # fmt: skip
    assert_problem(response, 400)


def test_a_lone_surrogate_escaped_in_json_is_a_422(directory, aws):
    raw = json.dumps({**VALID_FORM, "name": "PLACEHOLDER"}).replace("PLACEHOLDER", "Ana\\ud800")
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=raw,
                        headers={"content-type": "application/json"})  # fmt: skip
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_invalid_utf8_is_a_400(aws):
    response = call_api(aws, "IntakeFunction", "POST", "/inquiries", raw_body=b'{"name": "\xff"}',
                        headers={"content-type": "application/json"})  # fmt: skip
    assert_problem(response, 400)


def test_an_unexpected_failure_is_a_500_problem_without_details(directory, aws, monkeypatch):
    monkeypatch.setattr("functions.intake.app.accept_inquiry", lambda *a: 1 / 0)
    body = assert_problem(submit(aws), 500)
    assert "ZeroDivision" not in json.dumps(body)


def test_a_submission_the_queue_refuses_is_a_500_not_an_acceptance(directory, aws, monkeypatch):
    # The queue is the request path's one durable write: no 202 for what was not kept.
    from botocore.exceptions import ClientError

    class Refusing:
        def send_message(self, **_kw):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "queue down"}}, "SendMessage")

    monkeypatch.setattr("shared.usecases.intake._sqs", Refusing)
    body = assert_problem(post_form(aws), 500)
    assert "queue down" not in json.dumps(body)


def test_a_rate_limited_answer_says_when_to_retry(directory, aws):
    from shared import settings

    aws.resolver.parameters["IntakeRateLimitPerHour"] = "1"
    settings.reset()
    submit(aws)
    response = submit(aws, {**VALID_FORM, "email": "b@example.com"})
    body = assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 3601
    assert "866-273-4466" in body["detail"]
