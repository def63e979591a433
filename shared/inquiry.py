"""The public form: what a person sends to POST /inquiries, checked and normalized.

Every rule of DESIGN §2 lives here; a bad field becomes a FieldError with a message a
person can act on, and the raw input is never echoed back.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from shared.errors import FieldError, ValidationFailed
from shared.geography import is_state_code, is_zip

MAX_MESSAGE = 2000
# Bidirectional embeddings, overrides and isolates ("Trojan Source" characters).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\t")
# Format characters that scripts need inside words: joiners (Persian, Indic scripts,
# emoji sequences) and the left-to-right / right-to-left marks of mixed-direction names.
_FORMAT_ALLOWED = frozenset("\u200c\u200d\u200e\u200f")
_LINE_BREAKS = ("\r\n", "\r", "\u2028", "\u2029", "\x85")


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message)


def clean_text(value: Any, *, max_length: int, multiline: bool = False) -> str:
    """NFC-normalized, trimmed text a person typed, safe to store, show and mail.

    Refused: control characters, bidirectional embeddings/overrides/isolates, lone
    surrogates and unassigned code points (DynamoDB and email cannot carry them), and in
    one-line fields line and paragraph separators and invisible format characters (they
    would break an email header or hide text). A multi-line field keeps line breaks, as
    `\n` whatever the sender's convention."""
    if not isinstance(value, str):
        raise _invalid("must be text")
    text = unicodedata.normalize("NFC", value)
    if multiline:
        for brk in _LINE_BREAKS:
            text = text.replace(brk, "\n")
    text = text.strip()
    for ch in text:
        if ch in _BIDI_CONTROLS:
            raise _invalid("must not contain bidirectional override characters")
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in _MULTILINE_ALLOWED):
            raise _invalid("must not contain control characters")
        if category in ("Cs", "Cn"):
            raise _invalid("must not contain invalid or unassigned characters")
        if category in ("Zl", "Zp"):
            raise _invalid("must be on one line")
        if category == "Cf" and ch not in _FORMAT_ALLOWED and not multiline:
            raise _invalid("must not contain invisible formatting characters")
    if len(text) > max_length:
        raise _invalid(f"must be at most {max_length} characters")
    return text


class Inquiry(BaseModel):
    """A valid inquiry, normalized. `email_key` is how emails are compared."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)

    name: str
    email: str
    phone: str | None = None
    city: str
    state: str
    zip: str
    message: str | None = None
    consent: bool
    website: str | None = None

    @field_validator("name", "city", mode="before")
    @classmethod
    def _required_text(cls, v: Any) -> str:
        text = clean_text(v, max_length=200)
        if not text:
            raise _invalid("is required")
        return text

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, v: Any) -> str:
        from email_validator import EmailNotValidError, validate_email

        text = clean_text(v, max_length=254)
        if not text:
            raise _invalid("is required")
        try:
            # Non-ASCII mailbox names cannot be sent through SES; international domains
            # can, in their ASCII (Punycode) form, which is what is stored and mailed.
            return validate_email(text, check_deliverability=False, allow_smtputf8=False).ascii_email
        except EmailNotValidError:
            raise _invalid("must be a valid email address, like name@example.org") from None

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, v: Any) -> str | None:
        if v is None:
            return None
        text = clean_text(v, max_length=40)
        if not text:
            return None
        import phonenumbers

        try:
            number = phonenumbers.parse(text, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise _invalid("must be a real phone number, like 212-555-0123 or +44 20 7946 0958")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, v: Any) -> str:
        text = clean_text(v, max_length=2 + 8).upper()
        if not is_state_code(text):
            raise _invalid("must be a two-letter USPS code of a state or territory, like NY or PR")
        return text

    @field_validator("zip", mode="before")
    @classmethod
    def _zip(cls, v: Any) -> str:
        text = clean_text(v, max_length=10 + 8)
        if not is_zip(text):
            raise _invalid("must be a ZIP code (12345) or ZIP+4 (12345-6789)")
        return text

    @field_validator("message", mode="before")
    @classmethod
    def _message(cls, v: Any) -> str | None:
        if v is None:
            return None
        return clean_text(v, max_length=MAX_MESSAGE, multiline=True) or None

    @field_validator("consent", mode="before")
    @classmethod
    def _consent(cls, v: Any) -> bool:
        if v is not True:
            raise _invalid("must be true: we need your consent to contact you")
        return True

    @field_validator("website", mode="before")
    @classmethod
    def _honeypot(cls, v: Any) -> str | None:
        # Any value is accepted here: a filled honeypot is handled by the service.
        if v is None or v == "":
            return None
        return v if isinstance(v, str) else "filled"

    @property
    def email_key(self) -> str:
        return self.email.casefold()

    @property
    def is_bot(self) -> bool:
        return self.website is not None

    def fingerprint(self) -> str:
        """Same person, same words: the identity of a retried submission."""
        fields = self.model_dump(exclude={"website", "consent"})
        fields["email"] = self.email_key
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
        return digest[:32]


def parse_inquiry(payload: dict[str, Any]) -> Inquiry:
    try:
        return Inquiry.model_validate(payload)
    except ValidationError as err:
        errors = []
        for e in err.errors(include_input=False, include_url=False):
            field = ".".join(str(p) for p in e["loc"]) or "body"
            message = "is required" if e["type"] == "missing" else e["msg"]
            errors.append(FieldError(field=field, message=message))
        raise ValidationFailed(errors) from None
