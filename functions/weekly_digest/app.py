"""Weekly schedule (Mondays) → each organizer's digest for the ISO week of the event's
`time`, taken once per organizer and week; the email sender writes it."""

from aws_lambda_powertools import Logger

from shared.usecases.scheduled_runs import now_of, run_weekly_digest

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return run_weekly_digest(now_of(event)).as_dict()
