"""The emails moto's SES has sent, taken apart (they are raw MIME: multipart/alternative
with a text and an HTML part). Read in-process: moto keeps them in its SES backend."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str
    reply_to: str | None
    raw_data: str = field(repr=False)

    @cached_property
    def raw(self) -> EmailMessage:
        """The whole message, its headers as objects (email.policy.default): read when a test
        asks for a header, not for every email listed."""
        return email.message_from_string(self.raw_data, policy=email.policy.default)  # type: ignore[return-value]


_FOLD = re.compile(r"\r?\n(?=[ \t])")  # a long header's line breaks (RFC 5322 folding)


def _header(message: Message, name: str) -> str | None:
    value = message[name]
    if value is None:
        return None
    return str(make_header(decode_header(_FOLD.sub("", str(value)))))


def _addresses(header: str | None) -> list[str]:
    return [a.strip() for a in (header or "").split(",") if a.strip()]


def _messages(region: str) -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)


def parse(raw_data: str) -> SentEmail:
    """The parts of a sent email that are read: its addresses, subject and bodies. The
    message is parsed by the compat32 policy and its headers decoded here (a tenth of the
    time of email.policy.default, which made parsing the local stack's costliest step
    after sending); `raw` parses it again whole when asked."""
    message = email.message_from_bytes(raw_data.encode("utf-8", "surrogateescape"))
    parts: dict[str, str] = {}
    for part in message.walk():
        if not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            charset = part.get_content_charset() or "us-ascii"
            try:
                parts[part.get_content_type()] = payload.decode(charset, "replace")
            except LookupError:  # a charset Python does not know
                parts[part.get_content_type()] = payload.decode("utf-8", "replace")
    return SentEmail(
        to=_addresses(_header(message, "To")),
        cc=_addresses(_header(message, "Cc")),
        subject=_header(message, "Subject") or "",
        text=parts.get("text/plain", ""),
        html=parts.get("text/html", ""),
        reply_to=_header(message, "Reply-To") or None,
        raw_data=raw_data,
    )


def sent_emails(region: str = "us-east-1") -> list[SentEmail]:
    """What moto's SES has sent, oldest first."""
    return [parse(m.raw_data) for m in _messages(region)]


class SentMail:
    """The local stack's record of sent emails (GET /_local/outbox), each parsed and encoded
    once, with the time it was first seen: moto does not record when it sent a message, so
    the stack stamps new ones after every pump round (and on reading). A listing costs a
    join of the stored pieces, not a parse and an encode of every email each time."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self._encoded: list[bytes] = []  # one JSON object per email, oldest first
        self._lock = threading.Lock()

    def stamp(self) -> int:
        """Record the emails not seen before; returns how many there are."""
        with self._lock:
            messages = _messages(self.region)
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            for message in messages[len(self._encoded) :]:
                mail = parse(message.raw_data)
                entry = {"to": mail.to, "cc": mail.cc, "subject": mail.subject, "body": mail.text, "sent_at": now}
                self._encoded.append(json.dumps(entry).encode())
            return len(self._encoded)

    def listing_json(self) -> bytes:
        """DESIGN §6: [{"to", "subject", "body", "sent_at"}], oldest first (plus "cc")."""
        self.stamp()
        with self._lock:
            return b"[" + b",".join(self._encoded) + b"]"

    def listing(self) -> list[dict[str, Any]]:
        return json.loads(self.listing_json())
