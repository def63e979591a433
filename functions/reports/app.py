"""The organizer reports (JWT-protected; read-only): GET /reports/pipeline (groups per state ×
stage, and timing; ?format=csv for the counts as a spreadsheet) and GET /reports/groups.csv
(one row per group in the caller's scope). Two routes: dispatched on API Gateway's route
key, no resolver (it would add ~80 ms of imports to the cold start)."""

from aws_lambda_powertools import Logger

from shared.api.auth import caller_of
from shared.api.problems import endpoint, json_response, received_at, response
from shared.domain.errors import NotFound
from shared.usecases import reports

logger = Logger()

CSV = "text/csv; charset=utf-8"


@endpoint
def report(event):
    from shared.parsing.organizer import ReportQuery, parse  # lazy: cold start (pydantic, when a request needs it)

    caller = caller_of(event)
    route = event.get("routeKey")
    if route == "GET /reports/groups.csv":
        body = reports.groups_csv(caller, received_at(event))
        return response(200, body, CSV, {"Content-Disposition": 'attachment; filename="groups.csv"'})
    if route != "GET /reports/pipeline":
        raise NotFound("No such report.")
    query = parse(ReportQuery, event.get("queryStringParameters") or {})
    if query.format == "csv":
        report = reports.pipeline_counts(caller)
        return response(
            200, reports.pipeline_csv(report), CSV, {"Content-Disposition": 'attachment; filename="pipeline.csv"'}
        )
    return json_response(200, reports.pipeline_report(caller, received_at(event)))


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return report(event, context)
