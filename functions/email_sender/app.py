"""SQS (domain events from the bus) → SES: the one function that sends email.

Each queue message is an EventBridge event. It becomes zero or more emails, each sent
at most once (shared/mail/sender.py); a batch's messages share one read of the organizer
directory. A message that fails is reported alone; after the queue's maxReceiveCount it
moves to the email DLQ.
"""

import functools
import json

from aws_lambda_powertools import Logger

from shared import settings
from shared.batch import logs_failures, partial_batch_response, sqs_message_id
from shared.mail import sender
from shared.mail.planning import emails_for
from shared.outbox.events import InquiryReceived, parse_event
from shared.storage.directory import DirectoryReader, read_directory, read_once
from shared.storage.read_once import reads_once
from shared.usecases.unsent_inquiries import mark_emailed

logger = Logger()


@logs_failures(logger, "email message", sqs_message_id)
def record_handler(record: dict, directory: DirectoryReader = read_directory) -> None:
    with reads_once():  # the group and the inquiry, for its emails and for marking them sent
        _handle(record, directory)


def _handle(record: dict, directory: DirectoryReader) -> None:
    envelope = json.loads(record["body"])
    event = parse_event(envelope["detail-type"], envelope["detail"])
    if event is None:
        logger.warning("event type without emails", extra={"detail_type": envelope["detail-type"]})
        return
    for email, outcome in sender.send_each(emails_for(event, settings.email(), directory)):
        if "message_id" in outcome:
            logger.info("email sent", extra={"key": email.key})
        else:  # rejected for good, or every recipient suppressed: never retried
            logger.warning("email not sent", extra={"key": email.key, "outcome": outcome})
    if isinstance(event, InquiryReceived):
        mark_emailed(event)  # out of the daily run's unsent inquiries


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    sender.register_lambda_context(context)
    # The batch's emails share one read of the directory, made when the first of them needs it.
    handle = functools.partial(record_handler, directory=read_once())
    # Every failed message is reported, even when all fail, so each is retried and redriven on its own.
    return partial_batch_response(event["Records"], handle, sqs_message_id)
