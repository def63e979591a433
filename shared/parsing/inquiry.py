"""The public form: what a person sends to POST /inquiries, checked and normalized.

Every rule of DESIGN §2 lives here; a bad field becomes a FieldError with a message a
person can act on, and the raw input is never echoed back.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.geography import is_state_code, is_zip
from shared.domain.people import Person

MAX_MESSAGE = 2000
# Bidirectional embeddings, overrides and isolates ("Trojan Source" characters).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\t")
# Invisible characters that text pasted from the web or a word processor carries (zero-width
# space, word joiner, byte-order mark, soft hyphen): dropped from one-line fields, where they
# only hide what a name really is.
_INVISIBLE = str.maketrans(dict.fromkeys("\u200b\u2060\ufeff\u00ad"))
_LINE_BREAKS = ("\r\n", "\r", "\u2028", "\u2029", "\x85")


class InvalidText(ValueError):
    """What a person must fix in one field, in words they can act on (never their input)."""


def _noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def clean_text(value: Any, *, max_length: int, multiline: bool = False) -> str:
    """NFC-normalized, trimmed text a person typed, safe to store, show and mail.

    Refused: control characters, bidirectional embeddings/overrides/isolates, and lone
    surrogates and noncharacters (DynamoDB and email cannot carry them); in one-line fields
    also line and paragraph separators (they would break an email header). One-line fields
    lose invisible zero-width characters; a multi-line field keeps its line breaks, as `\n`
    whatever the sender's convention. Characters newer than this Python's Unicode tables
    (new emoji) are kept."""
    if not isinstance(value, str):
        raise InvalidText("must be text")
    text = unicodedata.normalize("NFC", value)
    if multiline:
        for brk in _LINE_BREAKS:
            text = text.replace(brk, "\n")
    else:
        text = text.translate(_INVISIBLE)
    text = text.strip()
    for ch in text:
        if ch in _BIDI_CONTROLS:
            raise InvalidText("must not contain bidirectional override characters")
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in _MULTILINE_ALLOWED):
            raise InvalidText("must not contain control characters")
        if category == "Cs" or _noncharacter(ch):
            raise InvalidText("must not contain invalid characters")
        if category in ("Zl", "Zp"):
            raise InvalidText("must be on one line")
    if len(text) > max_length:
        raise InvalidText(f"must be at most {max_length} characters")
    return text


def clean_email(value: Any) -> str | None:
    """An email address as it is stored and mailed, or None when none was given. Mailbox
    names must be ASCII (SES sends nothing else); an international domain is kept in its
    ASCII (Punycode) form."""
    from email_validator import EmailNotValidError, validate_email

    text = clean_text(value, max_length=254) if value is not None else ""
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError:
        raise InvalidText("must be a valid email address, like name@example.org") from None


# --- the form's fields, one reader each (value as sent -> value as stored) ---------------
# A reader raises InvalidText with what to fix. A field the form leaves out is read as None.


def _required_text(v: Any) -> str:
    text = clean_text(v, max_length=200) if v is not None else ""
    if not text:
        raise InvalidText("is required")
    return text


def _email(v: Any) -> str:
    email = clean_email(v)
    if email is None:
        raise InvalidText("is required")
    return email


def _phone(v: Any) -> str | None:
    text = clean_text(v, max_length=40) if v is not None else ""
    if not text:
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidText("must be a real phone number, like 212-555-0123 or +44 20 7946 0958")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _state(v: Any) -> str:
    if v is None:
        raise InvalidText("is required")
    text = clean_text(v, max_length=2 + 8).upper()
    if not is_state_code(text):
        raise InvalidText("must be a two-letter USPS code of a state or territory, like NY or PR")
    return text


def _zip(v: Any) -> str:
    if v is None:
        raise InvalidText("is required")
    text = clean_text(v, max_length=10 + 8)
    if not is_zip(text):
        raise InvalidText("must be a ZIP code (12345) or ZIP+4 (12345-6789)")
    return text


def _message(v: Any) -> str | None:
    return (clean_text(v, max_length=MAX_MESSAGE, multiline=True) or None) if v is not None else None


def _consent(v: Any) -> bool:
    if v is None:
        raise InvalidText("is required")
    if v is not True:
        raise InvalidText("must be true: we need your consent to contact you")
    return True


LANGUAGES = ("en", "es")  # DESIGN §8: the founder's language for every email to them


def _language(v: Any) -> str:
    if v is None or v == "":
        return "en"
    if not isinstance(v, str) or v.strip().lower() not in LANGUAGES:
        raise InvalidText("must be en (English) or es (Spanish)")
    return v.strip().lower()


def _join_group(v: Any) -> int | None:
    """The local group number of a chartered group near the applicant they chose to join
    instead of starting one (GET /groups/nearby); absent or null: start a new group."""
    if v is None or v == "":
        return None
    if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit() and len(v.strip()) <= 9:
        v = int(v.strip())
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 999_999_999:
        raise InvalidText("must be the number of a local group near you")
    return v


def _honeypot(v: Any) -> str | None:
    # Any value is accepted here: a filled honeypot is handled by the service.
    if v is None or v == "":
        return None
    return v if isinstance(v, str) else "filled"


_READERS = {
    "name": _required_text,
    "email": _email,
    "phone": _phone,
    "city": _required_text,
    "state": _state,
    "zip": _zip,
    "message": _message,
    "consent": _consent,
    "language": _language,
    "join_group": _join_group,
    "website": _honeypot,
}


def email_key(email: str) -> str:
    """How emails are compared: case-insensitively (the stored address keeps its case)."""
    return email.casefold()


@dataclass(frozen=True, kw_only=True)
class Inquiry(Person):
    """A valid inquiry, normalized: the person, and what the form says besides. `email_key`
    is how emails are compared."""

    message: str | None
    consent: bool
    join_group: int | None = None
    website: str | None = None

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    @property
    def is_bot(self) -> bool:
        return self.website is not None

    def fingerprint(self) -> str:
        """Same person, same words: the identity of a retried submission."""
        fields = {k: v for k, v in asdict(self).items() if k not in ("website", "consent")}
        fields["email"] = self.email_key
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
        return digest[:32]


def parse_inquiry(payload: dict[str, Any]) -> Inquiry:
    """The form as sent, read field by field; every bad field is reported at once, in the
    form's order, and fields the form does not have are ignored."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, read in _READERS.items():
        try:
            values[name] = read(payload.get(name))
        except InvalidText as err:
            errors.append(FieldError(field=name, message=str(err)))
    if errors:
        raise ValidationFailed(errors)
    return Inquiry(**values)
