"""SQS (SES bounce and complaint events, via EventBridge) → the directory and the
suppression list (shared/usecases/deliverability.py). A message that fails is reported
alone; after the queue's maxReceiveCount it moves to the SES events DLQ."""

import json
from datetime import UTC, datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.batch import logs_failures
from shared.parsing.ses_feedback import feedback_of
from shared.usecases.deliverability import Outcome, handle_feedback

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logs_failures(logger, "SES event", lambda record: record.message_id)
def record_handler(record: SQSRecord) -> None:
    envelope = json.loads(record.body)
    outcome = Outcome()
    for feedback in feedback_of(envelope.get("detail") or {}):
        handle_feedback(feedback, datetime.now(UTC), outcome)
    logger.info("SES event handled", extra={"outcome": dict(outcome.counts)})  # counts only: no address


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
