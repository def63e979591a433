"""The intake queue → the groups: the second half of POST /inquiries.

Each message is one accepted submission (shared/usecases/intake.py `Submission`). A new
address gets its group, an address with an open group one more inquiry on it (a repeat),
a join its request on the chartered group; a filled honeypot is dropped, counted by a
metric and stored nowhere. The inquiry_id the applicant was given is the idempotency key:
a redelivered message stores nothing twice. The stream turns what is stored into the
InquiryReceived events and emails (DESIGN §3). A message that fails is reported alone;
after the queue's maxReceiveCount it moves to the intake DLQ (an alarm watches it).
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shared.batch import logs_failures, partial_batch_response, sqs_message_id
from shared.usecases.intake import Submission, store_submission

logger = Logger()
metrics = Metrics()

METRICS = {
    "new": "InquiryNew",
    "repeat": "InquiryRepeat",
    "join": "InquiryJoin",
    "again": "InquiryStoredBefore",
    "honeypot": "HoneypotFilled",
    "join_closed": "JoinGroupClosed",
}


@logs_failures(logger, "inquiry message", sqs_message_id)
def record_handler(record: dict) -> None:
    stored = store_submission(Submission.from_json(record["body"]))
    metrics.add_metric(name=METRICS[stored.outcome], unit=MetricUnit.Count, value=1)
    if stored.group_id is not None:  # ids and codes only: never the applicant's details
        logger.info(
            "inquiry stored",
            extra={"group_id": stored.group_id, "outcome": stored.outcome, "routing": stored.routing_reason},
        )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return partial_batch_response(event["Records"], record_handler, sqs_message_id)
