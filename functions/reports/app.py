"""GET /reports/pipeline: groups per state × stage within the caller's states, as JSON or
(?format=csv) as a spreadsheet. JWT-protected; read-only."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response

from shared import lifecycle
from shared.auth import caller_of
from shared.http import json_response, make_resolver
from shared.organizer_requests import ReportQuery, parse

logger = Logger()
app = make_resolver()


@app.get("/reports/pipeline")
def pipeline():
    caller = caller_of(app.current_event.raw_event)
    query = parse(ReportQuery, app.current_event.query_string_parameters or {})
    report = lifecycle.pipeline_report(caller)
    if query.format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=lifecycle.pipeline_csv(report),
            headers={"Content-Disposition": 'attachment; filename="pipeline.csv"'},
        )
    return json_response(200, report)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
