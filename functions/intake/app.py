"""POST /inquiries: the public Start a Group form's request path.

Rate-limit, validate, route, send the submission to the intake queue, answer 202: the
same work, the same answer and the same AWS calls for a new address, an address that
already has a group and a filled honeypot (DESIGN §2). The intake queue's consumer
(functions/inquiry_store) tells them apart and stores what is to be stored."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from shared.api.problems import endpoint, json_response, read_json_object, received_at, source_ip
from shared.usecases.intake import accept_inquiry, enqueue

logger = Logger()
metrics = Metrics()


@endpoint
def post_inquiry(event):
    payload = read_json_object(event)
    accepted = accept_inquiry(payload, source_ip(event), received_at(event))
    enqueue(accepted.submission)
    metrics.add_metric(name="InquiryAccepted", unit=MetricUnit.Count, value=1)
    return json_response(accepted.status, accepted.body)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event, context):
    return post_inquiry(event, context)
