"""The organizer API for groups (DESIGN §2): list, read, add / correct / remove members and
activities, move stages (chartering included), record the plan, reassign. JWT-protected by
API Gateway; shared/api/auth.py reads the verified claims, shared/usecases/ does the work."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.api.auth import Caller, caller_of
from shared.api.problems import (
    HttpResponse,
    Route,
    Router,
    header,
    json_response,
    query_parameters,
    read_json_object,
    received_at,
    response,
)
from shared.usecases import group_lists, lifecycle, nearby, reassign

logger = Logger()
app = Router()


def _caller(event: dict) -> Caller:
    caller = caller_of(event)
    logger.append_keys(actor=caller.actor.value, caller=caller.actor_id)
    return caller


def _written(
    event: dict, what: str, status: int, write: Callable[..., lifecycle.Written], *ids: str, body: bool = True
):
    """Runs one write as the caller (checked before the body is read), with the body when the
    route takes one, the request's If-Match and time; logs ids only."""
    caller = _caller(event)
    payload = (read_json_object(event),) if body else ()
    written = write(caller, *ids, *payload, header(event, "If-Match"), received_at(event))
    group_id = ids[0]
    logger.info(what, extra={"group_id": group_id, "stage": written.body.get("stage"), "version": written.version})
    etag = {"ETag": f'"{written.version}"'}
    if status == 204:
        return response(204, "", "application/json", etag)
    return json_response(status, written.body, headers=etag)


@app.get("/groups")
def list_groups(event: dict):
    caller = _caller(event)
    return json_response(200, group_lists.list_groups(caller, query_parameters(event), received_at(event)))


@app.get("/groups/<group_id>")
def get_group(event: dict, group_id: str):
    written = lifecycle.get_group(_caller(event), group_id)
    return json_response(200, written.body, headers={"ETag": f'"{written.version}"'})


@app.get("/groups/<group_id>/nearby")
def group_neighbours(event: dict, group_id: str):
    caller = _caller(event)
    return json_response(200, nearby.neighbours(caller, group_id, query_parameters(event)))


# The writes, one row a route: method, path, what the log says, the answer's status, the use
# case (called as the caller, the path's ids, the body unless the answer is 204, If-Match, time).
_WRITES: tuple[tuple[str, str, str, int, Callable[..., lifecycle.Written]], ...] = (
    ("POST", "/groups/<group_id>/members", "member added", 201, lifecycle.add_member),
    ("POST", "/groups/<group_id>/activities", "activity logged", 201, lifecycle.log_activity),
    ("POST", "/groups/<group_id>/stage", "stage moved", 200, lifecycle.move_stage),
    ("PUT", "/groups/<group_id>/plan", "plan recorded", 200, lifecycle.record_plan),
    ("PATCH", "/groups/<group_id>/members/<member_id>", "member corrected", 200, lifecycle.correct_member),
    ("DELETE", "/groups/<group_id>/members/<member_id>", "member removed", 204, lifecycle.remove_member),
    ("PATCH", "/groups/<group_id>/activities/<activity_id>", "activity corrected", 200, lifecycle.correct_activity),
    ("DELETE", "/groups/<group_id>/activities/<activity_id>", "activity removed", 204, lifecycle.remove_activity),
    ("PUT", "/groups/<group_id>/organizer", "group reassigned", 200, reassign.reassign),
)


def _write_route(what: str, status: int, write: Callable[..., lifecycle.Written]) -> Route:
    def route(event: dict, **ids: str) -> HttpResponse:
        return _written(event, what, status, write, *ids.values(), body=status != 204)

    return route


for _method, _path, _what, _status, _write in _WRITES:
    app.route(_method, _path)(_write_route(_what, _status, _write))


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
