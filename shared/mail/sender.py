"""Sending an OutgoingEmail through SES, exactly once per email key.

Messages go as raw MIME (multipart/alternative: text, then HTML), which SES sends as is.
Powertools idempotency records each key in the idempotency table: a redelivered queue
message, or a retry after a partial batch failure, does not send the same email again,
and a send that failed is retried because its record is removed.

Deliverability (DESIGN §4): addresses on the suppression list (SES reported a hard bounce
or a complaint) are left out before sending; an email left with no recipient is not sent
and not recorded as sent. An address SES refuses for good (MessageRejected, an invalid
address) is recorded as rejected under the email's key and never retried. Sends are paced
so that the sender's concurrent invocations together stay within the account's SES rate.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import Any

from shared import settings
from shared.mail.outgoing import OutgoingEmail
from shared.storage.suppression import suppressed_among

SENDER_NAME = "Start a Group"
# SES answers that say the message or an address will never be accepted: retrying cannot help.
PERMANENT_ERRORS = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})

logger = logging.getLogger("start-a-group.sender")


class Pacer:
    """At most `rate` sends a second from this invocation (a token bucket of one second)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate
        self._next = 0.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


@cache
def _pacer() -> Pacer:
    return Pacer(settings.sending().per_invocation_rate)


def to_mime(email: OutgoingEmail, sender: str) -> bytes:
    message = EmailMessage()
    # A header is one line: any line break or separator in text that reached a subject
    # (the form refuses them; this keeps one bad value from blocking the email forever).
    message["Subject"] = " ".join(email.subject.split())
    message["From"] = formataddr((SENDER_NAME, sender))
    message["To"] = ", ".join(email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    if email.reply_to:
        message["Reply-To"] = ", ".join(email.reply_to)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    for name, value in email.headers:  # List-Unsubscribe and -Post (RFC 8058) on founder emails
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


@cache
def _ses() -> Any:
    import boto3  # lazy: cold start

    return boto3.client("sesv2")


def _send(message: dict[str, Any], ses: Any) -> str:
    _pacer().wait()
    extra = {}
    if settings.sending().ses_configuration_set:
        extra["ConfigurationSetName"] = settings.sending().ses_configuration_set
    response = ses.send_email(
        FromEmailAddress=settings.email().sender_email,
        Destination={"ToAddresses": message["to"], "CcAddresses": message["cc"]},
        Content={"Raw": {"Data": base64.b64decode(message["mime"])}},
        **extra,
    )
    return response["MessageId"]


def _send_or_reject(message: dict[str, Any], ses: Any) -> dict[str, str]:
    """SES's message id, or the code of a permanent refusal (recorded: never retried)."""
    from botocore.exceptions import ClientError  # lazy: cold start

    try:
        return {"message_id": _send(message, ses)}
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code not in PERMANENT_ERRORS:
            raise  # throttling, an outage: the queue retries the message
        logger.warning("email rejected for good; not retried", extra={"key": message["key"], "error_code": code})
        return {"rejected": code}


@cache
def _idempotent_sender() -> tuple[Callable[..., dict], Any]:
    from aws_lambda_powertools.utilities.idempotency import (  # lazy: cold start
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.idempotency().idempotency_ttl_days * 86400,
    )
    store = DynamoDBPersistenceLayer(table_name=settings.idempotency().idempotency_table_name)

    @idempotent_function(data_keyword_argument="message", persistence_store=store, config=config)
    def send_once(message: dict[str, Any]) -> dict[str, str]:
        return _send_or_reject(message, _ses())

    return send_once, config


def register_lambda_context(context: Any) -> None:
    """Lets idempotency expire an in-progress record when this invocation times out."""
    _idempotent_sender()[1].register_lambda_context(context)


def stopped_among(emails: Iterable[OutgoingEmail]) -> set[str]:
    """The recipients of `emails` on the suppression list, casefolded: one read for them all."""
    return {a.casefold() for a in suppressed_among({a for e in emails for a in (*e.to, *e.cc)})}


def without_suppressed(email: OutgoingEmail, stopped: set[str] | None = None) -> OutgoingEmail | None:
    """`email` without the recipients on the suppression list (`stopped`, from stopped_among,
    or read now); None when none is left."""
    if stopped is None:
        stopped = stopped_among([email])
    if not stopped.intersection(a.casefold() for a in (*email.to, *email.cc)):
        return email
    to = tuple(a for a in email.to if a.casefold() not in stopped)
    cc = tuple(a for a in email.cc if a.casefold() not in stopped)
    if not to and not cc:
        return None
    return replace(email, to=to or cc, cc=cc if to else ())


def send_each(emails: list[OutgoingEmail]) -> Iterator[tuple[OutgoingEmail, dict[str, str]]]:
    """send_once for each of `emails`, in order, as each is sent; the suppression list is
    read once for all their recipients."""
    stopped = stopped_among(emails)
    for email in emails:
        yield email, send_once(email, stopped)


def send_once(email: OutgoingEmail, stopped: set[str] | None = None) -> dict[str, str]:
    """Send `email` unless an email with its key was already sent. Returns {"message_id"},
    {"rejected": code} (SES refused it for good) or {"suppressed": "all"} (nobody left to
    send to: nothing sent, nothing recorded). `stopped`: as for without_suppressed."""
    kept = without_suppressed(email, stopped)
    if kept is None:
        return {"suppressed": "all"}
    mime = to_mime(kept, settings.email().sender_email)
    message = {
        "key": kept.key,
        "to": list(kept.to),
        "cc": list(kept.cc),
        "mime": base64.b64encode(mime).decode("ascii"),
    }
    return _idempotent_sender()[0](message=message)
