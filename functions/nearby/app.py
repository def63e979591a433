"""GET /groups/nearby: chartered groups near a ZIP code (public, no token)."""

from aws_lambda_powertools import Logger

from shared.api.problems import endpoint, json_response
from shared.usecases.nearby import find_nearby

logger = Logger()


@endpoint
def list_nearby(event):
    found = find_nearby(event.get("queryStringParameters") or {})
    logger.info("nearby groups", extra={"found": len(found)})
    return json_response(200, found, headers={"Cache-Control": "public, max-age=300"})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return list_nearby(event, context)
