"""The organizer API for groups (DESIGN §2): list, read, add / correct / remove members and
activities, move stages (chartering included), record the plan, reassign. JWT-protected by
API Gateway; shared/api/auth.py reads the verified claims, shared/usecases/ does the work."""

from aws_lambda_powertools import Logger

from shared.api.auth import Caller, caller_of
from shared.api.problems import header, json_response, make_resolver, read_json_object, received_at, response
from shared.usecases import activities, group_lists, lifecycle, members, reassign
from shared.usecases.group_views import Written
from shared.usecases.group_writes import Author, Loader, organizer_loader

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


def _as_organizer(group_id: str) -> tuple[Author, Loader]:
    caller = _caller()
    return Author.organizer(caller), organizer_loader(caller, group_id)


def _answer(status: int, written: Written, done: str | None = None, group_id: str | None = None, **logged):
    """The group's answer with its version as the ETag (204: no body); `done` is logged."""
    if done:
        logger.info(done, extra={"group_id": group_id, "version": written.version, **logged})
    if status == 204:
        return response(204, "", "application/json", {"ETag": f'"{written.version}"'})
    return json_response(status, written.body, headers={"ETag": f'"{written.version}"'})


@app.get("/groups")
def list_groups():
    caller = _caller()
    params = app.current_event.query_string_parameters or {}
    return json_response(200, group_lists.list_groups(caller, params, _now()))


@app.get("/groups/<group_id>")
def get_group(group_id: str):
    return _answer(200, lifecycle.get_group(_caller(), group_id))


@app.post("/groups/<group_id>/members")
def add_member(group_id: str):
    written = lifecycle.add_member(_caller(), group_id, _body(), _if_match(), _now())
    return _answer(201, written, "member added", group_id)


@app.post("/groups/<group_id>/activities")
def log_activity(group_id: str):
    written = lifecycle.log_activity(_caller(), group_id, _body(), _if_match(), _now())
    return _answer(201, written, "activity logged", group_id)


@app.post("/groups/<group_id>/stage")
def move_stage(group_id: str):
    written = lifecycle.move_stage(_caller(), group_id, _body(), _if_match(), _now())
    return _answer(200, written, "stage moved", group_id, stage=written.body["stage"])


@app.put("/groups/<group_id>/plan")
def record_plan(group_id: str):
    written = lifecycle.record_plan(_caller(), group_id, _body(), _if_match(), _now())
    return _answer(200, written, "plan recorded", group_id)


@app.patch("/groups/<group_id>/members/<member_id>")
def correct_member(group_id: str, member_id: str):
    written = members.correct_member(*_as_organizer(group_id), member_id, _body(), _if_match(), _now())
    return _answer(200, written, "member corrected", group_id)


@app.delete("/groups/<group_id>/members/<member_id>")
def remove_member(group_id: str, member_id: str):
    written = members.remove_member(*_as_organizer(group_id), member_id, _if_match(), _now())
    return _answer(204, written, "member removed", group_id)


@app.patch("/groups/<group_id>/activities/<activity_id>")
def correct_activity(group_id: str, activity_id: str):
    written = activities.correct_activity(*_as_organizer(group_id), activity_id, _body(), _if_match(), _now())
    return _answer(200, written, "activity corrected", group_id)


@app.delete("/groups/<group_id>/activities/<activity_id>")
def remove_activity(group_id: str, activity_id: str):
    written = activities.remove_activity(*_as_organizer(group_id), activity_id, _if_match(), _now())
    return _answer(204, written, "activity removed", group_id)


@app.put("/groups/<group_id>/organizer")
def reassign_group(group_id: str):
    written = reassign.reassign(_caller(), group_id, _body(), _if_match(), _now())
    return _answer(200, written, "group reassigned", group_id)


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
