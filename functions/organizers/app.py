"""GET /organizers: the public directory of state organizers."""

from aws_lambda_powertools import Logger

from shared.api.problems import endpoint, json_response, query_parameter
from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.geography import is_state_code
from shared.storage.directory import read_directory

logger = Logger()


@endpoint
def list_organizers(event):
    state = query_parameter(event, "state")
    if state is not None:
        state = state.strip().upper()
        if not is_state_code(state):
            raise ValidationFailed(
                [FieldError("state", "must be a two-letter USPS code of a state or territory, like NY or PR")]
            )
    listing = read_directory().public_listing(state)
    return json_response(200, listing, headers={"Cache-Control": "public, max-age=300"})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return list_organizers(event, context)
