"""POST /_local/ses/events {"type": "bounce"|"complaint", "email"}: what SES would report
for that address (a hard bounce, or a complaint), as the SQS message the SES events
function receives in AWS (SES → default bus → rule → queue). Dev-only."""

from __future__ import annotations

import json
import uuid
from typing import Any

from local.event_shapes import eventbridge_event, sqs_event
from shared.domain.errors import FieldError, ValidationFailed
from shared.parsing.ses_feedback import ses_event_detail

FUNCTION = "SesEventsFunction"
QUEUE = "SesEventsQueue"
DETAIL_TYPES = {"bounce": "Email Bounced", "complaint": "Email Complaint Received"}


def function_event(payload: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The SES events function's event for the request, or ValidationFailed."""
    errors = []
    kind, email = payload.get("type"), payload.get("email")
    if kind not in DETAIL_TYPES:
        errors.append(FieldError("type", 'must be "bounce" or "complaint"'))
    if not isinstance(email, str) or "@" not in email:
        errors.append(FieldError("email", "is required: the address SES reports on"))
    if errors:
        raise ValidationFailed(errors)
    envelope = eventbridge_event(DETAIL_TYPES[kind], ses_event_detail(kind, email.strip()), source="aws.ses")
    message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "local", "Body": json.dumps(envelope)}
    return sqs_event([message], queue_arn)
