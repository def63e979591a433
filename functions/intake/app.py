"""POST /inquiries: the public Start a Group form."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shared.api.problems import endpoint, json_response, read_json_object, received_at, source_ip
from shared.usecases.intake import submit_inquiry

logger = Logger()
metrics = Metrics()


@endpoint
def post_inquiry(event):
    payload = read_json_object(event)
    outcome = submit_inquiry(payload, source_ip(event), received_at(event))
    names = {"new": "InquiryNew", "repeat": "InquiryRepeat", "honeypot": "HoneypotFilled", "join": "InquiryJoin"}
    metrics.add_metric(name=names[outcome.outcome], unit=MetricUnit.Count, value=1)
    if outcome.group_id is not None:
        logger.info(
            "inquiry stored",
            extra={"group_id": outcome.group_id, "outcome": outcome.outcome, "routing": outcome.routing_reason},
        )
    return json_response(outcome.status, outcome.body)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return post_inquiry(event, context)
