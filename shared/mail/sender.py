"""Sending an OutgoingEmail through SES, exactly once per email key.

Messages go as raw MIME (multipart/alternative: text, then HTML), which SES sends as is.
Powertools idempotency records each key in the idempotency table: a redelivered queue
message, or a retry after a partial batch failure, does not send the same email again,
and a send that failed is retried because its record is removed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import Any

from shared import settings
from shared.mail.notifications import OutgoingEmail

SENDER_NAME = "Start a Group"


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
    import boto3

    return boto3.client("sesv2")


def _send(message: dict[str, Any], ses: Any) -> str:
    response = ses.send_email(
        FromEmailAddress=settings.email().sender_email,
        Destination={"ToAddresses": message["to"], "CcAddresses": message["cc"]},
        Content={"Raw": {"Data": base64.b64decode(message["mime"])}},
    )
    return response["MessageId"]


@cache
def _idempotent_sender() -> tuple[Callable[..., dict], Any]:
    from aws_lambda_powertools.utilities.idempotency import (
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
        return {"message_id": _send(message, _ses())}

    return send_once, config


def register_lambda_context(context: Any) -> None:
    """Lets idempotency expire an in-progress record when this invocation times out."""
    _idempotent_sender()[1].register_lambda_context(context)


def send_once(email: OutgoingEmail) -> str:
    """Send `email` unless an email with its key was already sent; return SES's message id."""
    mime = to_mime(email, settings.email().sender_email)
    message = {
        "key": email.key,
        "to": list(email.to),
        "cc": list(email.cc),
        "mime": base64.b64encode(mime).decode("ascii"),
    }
    return _idempotent_sender()[0](message=message)["message_id"]
