"""The organizer API for groups (DESIGN §2): list, read, add / correct / remove members and
activities, move stages (chartering included), record the plan, reassign. JWT-protected by
API Gateway; shared/api/auth.py reads the verified claims, shared/usecases/ does the work."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.api.auth import Caller, caller_of
from shared.api.problems import Router, header, json_response, query_parameters, read_json_object, received_at, response
from shared.usecases import activities, group_lists, lifecycle, members, nearby, reassign

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


@app.post("/groups/<group_id>/members")
def add_member(event: dict, group_id: str):
    return _written(event, "member added", 201, lifecycle.add_member, group_id)


@app.post("/groups/<group_id>/activities")
def log_activity(event: dict, group_id: str):
    return _written(event, "activity logged", 201, lifecycle.log_activity, group_id)


@app.post("/groups/<group_id>/stage")
def move_stage(event: dict, group_id: str):
    return _written(event, "stage moved", 200, lifecycle.move_stage, group_id)


@app.put("/groups/<group_id>/plan")
def record_plan(event: dict, group_id: str):
    return _written(event, "plan recorded", 200, lifecycle.record_plan, group_id)


@app.patch("/groups/<group_id>/members/<member_id>")
def correct_member(event: dict, group_id: str, member_id: str):
    return _written(event, "member corrected", 200, members.correct, group_id, member_id)


@app.delete("/groups/<group_id>/members/<member_id>")
def remove_member(event: dict, group_id: str, member_id: str):
    return _written(event, "member removed", 204, members.remove, group_id, member_id, body=False)


@app.patch("/groups/<group_id>/activities/<activity_id>")
def correct_activity(event: dict, group_id: str, activity_id: str):
    return _written(event, "activity corrected", 200, activities.correct, group_id, activity_id)


@app.delete("/groups/<group_id>/activities/<activity_id>")
def remove_activity(event: dict, group_id: str, activity_id: str):
    return _written(event, "activity removed", 204, activities.remove, group_id, activity_id, body=False)


@app.put("/groups/<group_id>/organizer")
def reassign_group(event: dict, group_id: str):
    return _written(event, "group reassigned", 200, reassign.reassign, group_id)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
