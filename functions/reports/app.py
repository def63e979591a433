"""GET /reports/pipeline: groups per state × stage within the caller's states, as JSON or
(?format=csv) as a spreadsheet. JWT-protected; read-only. One route: no resolver."""

from aws_lambda_powertools import Logger

from shared.api.auth import caller_of
from shared.api.problems import endpoint, json_response, response
from shared.usecases import lifecycle

logger = Logger()


@endpoint
def pipeline(event):
    from shared.parsing.organizer import ReportQuery, parse  # pydantic: when a request needs it

    caller = caller_of(event)
    query = parse(ReportQuery, event.get("queryStringParameters") or {})
    report = lifecycle.pipeline_report(caller)
    if query.format == "csv":
        return response(
            200,
            lifecycle.pipeline_csv(report),
            "text/csv; charset=utf-8",
            {"Content-Disposition": 'attachment; filename="pipeline.csv"'},
        )
    return json_response(200, report)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return pipeline(event, context)
