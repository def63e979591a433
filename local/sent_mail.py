"""The emails moto's SES has sent, taken apart (they are raw MIME: multipart/alternative
with a text and an HTML part). Read in-process: moto keeps them in its SES backend."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Any


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    html: str
    reply_to: str | None
    raw: Message


def _addresses(header: Any) -> list[str]:
    return [a.strip() for a in str(header or "").split(",") if a.strip()]


def _messages(region: str) -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)


def parse(raw_data: str) -> SentEmail:
    raw = email.message_from_string(raw_data, policy=email.policy.default)
    parts = {p.get_content_type(): p.get_content() for p in raw.walk() if not p.is_multipart()}
    return SentEmail(
        to=_addresses(raw["To"]),
        cc=_addresses(raw["Cc"]),
        subject=str(raw["Subject"]),
        text=parts.get("text/plain", ""),
        html=parts.get("text/html", ""),
        reply_to=str(raw["Reply-To"]) if raw["Reply-To"] else None,
        raw=raw,
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
