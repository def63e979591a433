"""Daily schedule → the follow-ups of DESIGN §5 that are due as of the event's `time`:
first-contact reminders and escalations, stalled-group nudges, charter-eligible notices,
stale inquiries closed. Replaying a run sends nothing twice."""

from aws_lambda_powertools import Logger

from shared.usecases.scheduled_runs import now_of, run_follow_ups

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return run_follow_ups(now_of(event)).as_dict()
