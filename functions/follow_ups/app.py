"""Daily schedule → the follow-ups of DESIGN §5 that are due as of the event's `time`:
first-contact reminders and escalations, stalled-group nudges, charter-eligible notices,
stale inquiries closed; and InquiryReceived again for any inquiry whose emails never went
out; requests to join a group deleted after the retention period. Replaying a run sends
nothing twice."""

from aws_lambda_powertools import Logger

from shared import settings
from shared.usecases.join import erase_expired_requests
from shared.usecases.scheduled_runs import now_of, run_follow_ups
from shared.usecases.unsent_inquiries import resend_unsent

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    now = now_of(event)
    report = run_follow_ups(now).as_dict()
    report["inquiries_resent"] = resend_unsent(now)
    report["join_requests_erased"] = erase_expired_requests(now, settings.follow_ups().retention_days)
    return report
