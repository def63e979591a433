"""The organizer API for groups (DESIGN §2): list, read, add members, log activities,
move stages (chartering included) and record the plan. JWT-protected by API Gateway;
shared/api/auth.py reads the verified claims, shared/usecases/lifecycle.py does the work."""

from aws_lambda_powertools import Logger

from shared.api.auth import Caller, caller_of
from shared.api.problems import header, json_response, make_resolver, read_json_object, received_at
from shared.usecases import lifecycle

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


@app.get("/groups")
def list_groups():
    caller = _caller()
    return json_response(200, lifecycle.list_groups(caller, app.current_event.query_string_parameters or {}))


@app.get("/groups/<group_id>")
def get_group(group_id: str):
    caller = _caller()
    return _answer(200, lifecycle.get_group(caller, group_id))


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


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
