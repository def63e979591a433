"""SQS (SES bounce and complaint events, via EventBridge) → the directory and the
suppression list (shared/usecases/deliverability.py). A message that fails is reported
alone; after the queue's maxReceiveCount it moves to the SES events DLQ."""

import json
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shared.batch import logs_failures, partial_batch_response, sqs_message_id
from shared.parsing.ses_feedback import feedback_of
from shared.usecases.deliverability import Outcome, handle_feedback

logger = Logger()


@logs_failures(logger, "SES event", sqs_message_id)
def record_handler(record: dict) -> None:
    envelope = json.loads(record["body"])
    outcome = Outcome()
    for feedback in feedback_of(envelope.get("detail") or {}):
        handle_feedback(feedback, datetime.now(UTC), outcome)
    logger.info("SES event handled", extra={"outcome": dict(outcome.counts)})  # counts only: no address


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return partial_batch_response(event["Records"], record_handler, sqs_message_id)
