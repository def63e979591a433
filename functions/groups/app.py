"""The organizer API for groups (DESIGN §2): list, read, add / correct / remove members and
activities, move stages (chartering included), record the plan, reassign. JWT-protected by
API Gateway; shared/api/auth.py reads the verified claims, shared/usecases/ does the work."""

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


def _answer(status: int, written: lifecycle.Written):
    return json_response(status, written.body, headers={"ETag": f'"{written.version}"'})


def _removed(written: lifecycle.Written):
    return response(204, "", "application/json", {"ETag": f'"{written.version}"'})


def _body() -> dict:
    return read_json_object(app.current_event.raw_event)


@app.get("/groups")
def list_groups():
    caller = _caller()
    params = app.current_event.query_string_parameters or {}
    return json_response(200, group_lists.list_groups(caller, params, _now()))


@app.get("/groups/<group_id>")
def get_group(group_id: str):
    caller = _caller()
    return _answer(200, lifecycle.get_group(caller, group_id))


@app.get("/groups/<group_id>/nearby")
def group_neighbours(group_id: str):
    caller = _caller()
    params = app.current_event.query_string_parameters or {}
    return json_response(200, nearby.neighbours(caller, group_id, params))


@app.post("/groups/<group_id>/members")
def add_member(group_id: str):
    caller = _caller()
    written = lifecycle.add_member(caller, group_id, read_json_object(app.current_event.raw_event), _if_match(), _now())
    logger.info("member added", extra={"group_id": group_id, "version": written.version})
    return _answer(201, written)


@app.post("/groups/<group_id>/activities")
def log_activity(group_id: str):
    caller = _caller()
    written = lifecycle.log_activity(
        caller, group_id, read_json_object(app.current_event.raw_event), _if_match(), _now()
    )
    logger.info("activity logged", extra={"group_id": group_id, "version": written.version})
    return _answer(201, written)


@app.post("/groups/<group_id>/stage")
def move_stage(group_id: str):
    caller = _caller()
    written = lifecycle.move_stage(caller, group_id, read_json_object(app.current_event.raw_event), _if_match(), _now())
    logger.info("stage moved", extra={"group_id": group_id, "stage": written.body["stage"], "version": written.version})
    return _answer(200, written)


@app.put("/groups/<group_id>/plan")
def record_plan(group_id: str):
    caller = _caller()
    written = lifecycle.record_plan(
        caller, group_id, read_json_object(app.current_event.raw_event), _if_match(), _now()
    )
    logger.info("plan recorded", extra={"group_id": group_id, "version": written.version})
    return _answer(200, written)


@app.patch("/groups/<group_id>/members/<member_id>")
def correct_member(group_id: str, member_id: str):
    caller = _caller()
    written = members.correct(caller, group_id, member_id, _body(), _if_match(), _now())
    logger.info("member corrected", extra={"group_id": group_id, "version": written.version})
    return _answer(200, written)


@app.delete("/groups/<group_id>/members/<member_id>")
def remove_member(group_id: str, member_id: str):
    caller = _caller()
    written = members.remove(caller, group_id, member_id, _if_match(), _now())
    logger.info("member removed", extra={"group_id": group_id, "version": written.version})
    return _removed(written)


@app.patch("/groups/<group_id>/activities/<activity_id>")
def correct_activity(group_id: str, activity_id: str):
    caller = _caller()
    written = activities.correct(caller, group_id, activity_id, _body(), _if_match(), _now())
    logger.info("activity corrected", extra={"group_id": group_id, "version": written.version})
    return _answer(200, written)


@app.delete("/groups/<group_id>/activities/<activity_id>")
def remove_activity(group_id: str, activity_id: str):
    caller = _caller()
    written = activities.remove(caller, group_id, activity_id, _if_match(), _now())
    logger.info("activity removed", extra={"group_id": group_id, "version": written.version})
    return _removed(written)


@app.put("/groups/<group_id>/organizer")
def reassign_group(group_id: str):
    caller = _caller()
    written = reassign.reassign(caller, group_id, _body(), _if_match(), _now())
    logger.info("group reassigned", extra={"group_id": group_id, "version": written.version})
    return _answer(200, written)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
