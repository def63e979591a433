"""The organizer API for groups (DESIGN §2): list, read, add / correct / remove members and
activities, move stages (chartering included), record the plan, reassign. JWT-protected by
API Gateway; shared/api/auth.py reads the verified claims, shared/usecases/ does the work."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.api.auth import Caller, caller_of
from shared.api.problems import header, json_response, make_resolver, read_json_object, received_at, response
from shared.usecases import activities, group_lists, lifecycle, members, nearby, reassign

logger = Logger()
app = make_resolver()


def _caller() -> Caller:
    caller = caller_of(app.current_event.raw_event)
    logger.append_keys(actor=caller.actor.value, caller=caller.actor_id)
    return caller


def _now():
    return received_at(app.current_event.raw_event)


def _if_match() -> str | None:
    return header(app.current_event.raw_event, "If-Match")


def _body() -> dict:
    return read_json_object(app.current_event.raw_event)


def _written(what: str, status: int, write: Callable[..., lifecycle.Written], *ids: str, body: bool = True):
    """Runs one write as the caller (checked before the body is read), with the body when the
    route takes one, the request's If-Match and time; logs ids only."""
    caller = _caller()
    written = write(caller, *ids, *((_body(),) if body else ()), _if_match(), _now())
    group_id = ids[0]
    logger.info(what, extra={"group_id": group_id, "stage": written.body.get("stage"), "version": written.version})
    etag = {"ETag": f'"{written.version}"'}
    if status == 204:
        return response(204, "", "application/json", etag)
    return json_response(status, written.body, headers=etag)


@app.get("/groups")
def list_groups():
    caller = _caller()
    params = app.current_event.query_string_parameters or {}
    return json_response(200, group_lists.list_groups(caller, params, _now()))


@app.get("/groups/<group_id>")
def get_group(group_id: str):
    written = lifecycle.get_group(_caller(), group_id)
    return json_response(200, written.body, headers={"ETag": f'"{written.version}"'})


@app.get("/groups/<group_id>/nearby")
def group_neighbours(group_id: str):
    caller = _caller()
    params = app.current_event.query_string_parameters or {}
    return json_response(200, nearby.neighbours(caller, group_id, params))


@app.post("/groups/<group_id>/members")
def add_member(group_id: str):
    return _written("member added", 201, lifecycle.add_member, group_id)


@app.post("/groups/<group_id>/activities")
def log_activity(group_id: str):
    return _written("activity logged", 201, lifecycle.log_activity, group_id)


@app.post("/groups/<group_id>/stage")
def move_stage(group_id: str):
    return _written("stage moved", 200, lifecycle.move_stage, group_id)


@app.put("/groups/<group_id>/plan")
def record_plan(group_id: str):
    return _written("plan recorded", 200, lifecycle.record_plan, group_id)


@app.patch("/groups/<group_id>/members/<member_id>")
def correct_member(group_id: str, member_id: str):
    return _written("member corrected", 200, members.correct, group_id, member_id)


@app.delete("/groups/<group_id>/members/<member_id>")
def remove_member(group_id: str, member_id: str):
    return _written("member removed", 204, members.remove, group_id, member_id, body=False)


@app.patch("/groups/<group_id>/activities/<activity_id>")
def correct_activity(group_id: str, activity_id: str):
    return _written("activity corrected", 200, activities.correct, group_id, activity_id)


@app.delete("/groups/<group_id>/activities/<activity_id>")
def remove_activity(group_id: str, activity_id: str):
    return _written("activity removed", 204, activities.remove, group_id, activity_id, body=False)


@app.put("/groups/<group_id>/organizer")
def reassign_group(group_id: str):
    return _written("group reassigned", 200, reassign.reassign, group_id)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
