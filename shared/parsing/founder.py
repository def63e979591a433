"""Request bodies of the founder's page (DESIGN §2b), read field by field like the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.domain.errors import FieldError, ValidationFailed
from shared.parsing import UNKNOWN_FIELDS
from shared.parsing.inquiry import InvalidText, _phone, _required_text, clean_email, clean_text
from shared.storage.founders import ContactChange

FOUNDER_ACTIVITY_KINDS = ("meeting", "letter_writing", "event", "recruitment")
CONTACT_FIELDS = ("name", "phone", "city")


def _unknown(payload: Mapping[str, Any], known: tuple[str, ...]) -> list[FieldError]:
    """One error on the body when the payload has a field not `known` (never its name)."""
    return [FieldError(*UNKNOWN_FIELDS)] if any(k not in known for k in payload) else []


def parse_contact(payload: Mapping[str, Any]) -> ContactChange:
    """PATCH /status/contact: any of name, phone (null or "" removes it), city."""
    errors = _unknown(payload, CONTACT_FIELDS)
    values: dict[str, Any] = {}
    for name in ("name", "city"):
        if name in payload:
            try:
                values[name] = _required_text(payload[name])
            except InvalidText as err:
                errors.append(FieldError(name, str(err)))
    if "phone" in payload:
        try:
            phone = _phone(payload["phone"])
        except InvalidText as err:
            errors.append(FieldError("phone", str(err)))
        else:
            values["phone"] = phone
            values["clear_phone"] = phone is None
    if errors:
        raise ValidationFailed(errors)
    if not values:
        raise ValidationFailed([FieldError("body", "give at least one of name, phone, city")])
    return ContactChange(**values)


def check_founder_activity(payload: Mapping[str, Any]) -> None:
    """Founders report meetings, letter writing, events and recruiting; the Learn More
    conversation is the organizer's to log."""
    kind = payload.get("kind")
    if kind is not None and kind not in FOUNDER_ACTIVITY_KINDS:
        raise ValidationFailed([FieldError("kind", f"must be one of {', '.join(FOUNDER_ACTIVITY_KINDS)}")])


def parse_email_only(payload: Mapping[str, Any]) -> str:
    """POST /status/link and POST /erasures: {"email"}."""
    errors = _unknown(payload, ("email",))
    email = None
    try:
        email = clean_email(payload.get("email"))
    except InvalidText as err:
        errors.append(FieldError("email", str(err)))
    else:
        if email is None:
            errors.append(FieldError("email", "is required"))
    if errors:
        raise ValidationFailed(errors)
    assert email is not None
    return email


def parse_note(payload: Mapping[str, Any]) -> str | None:
    """POST /status/withdraw: {"note"?}."""
    errors = _unknown(payload, ("note",))
    note = None
    if payload.get("note") is not None:
        try:
            note = clean_text(payload["note"], max_length=2000, multiline=True) or None
        except InvalidText as err:
            errors.append(FieldError("note", str(err)))
    if errors:
        raise ValidationFailed(errors)
    return note
