"""The founder's own page (DESIGN §2b): a magic-link token in `Authorization: Bearer`, verified
here (not by API Gateway's JWT authorizer); and the admins' erasure by address (JWT).
shared/usecases/founder.py and shared/usecases/erasure.py do the work."""

from aws_lambda_powertools import Logger

from shared.api import founder_tokens
from shared.api.auth import caller_of
from shared.api.problems import header, json_response, make_resolver, read_json_object, response, source_ip
from shared.domain.clock import utcnow
from shared.usecases import founder

logger = Logger()
app = make_resolver()


def _event():
    return app.current_event.raw_event


def _founder():
    """The holder of the status token in `Authorization: Bearer` (401 first, before the body)."""
    return founder.founder_of(founder_tokens.bearer(header(_event(), "Authorization")), utcnow())


def _body():
    return read_json_object(_event())


@app.get("/status")
def get_status():
    return json_response(200, founder.get_status(_founder()))


@app.post("/status/link")
def request_link():
    founder.request_link(_body(), source_ip(_event()), utcnow())
    return json_response(202, {"detail": "If this address has a group, its link is on its way."})


@app.post("/status/members")
def add_member():
    holder = _founder()
    return json_response(201, founder.add_member(holder, _body(), utcnow()))


@app.post("/status/activities")
def log_activity():
    holder = _founder()
    return json_response(201, founder.log_activity(holder, _body(), utcnow()))


@app.patch("/status/contact")
def update_contact():
    holder = _founder()
    return json_response(200, founder.update_contact(holder, _body(), utcnow()))


@app.post("/status/withdraw")
def withdraw():
    holder = _founder()
    written = founder.withdraw(holder, _body() if _event().get("body") else {}, utcnow())
    logger.info("founder withdrew", extra={"group_id": written["group_id"]})
    return json_response(200, written)


@app.post("/status/unsubscribe")
def unsubscribe_from_page():
    founder.unsubscribe(founder_tokens.bearer(header(_event(), "Authorization")), utcnow(), founder_tokens.STATUS)
    return response(204, "", "text/plain")


@app.post("/status/unsubscribe/<token>")
def unsubscribe_one_click(token: str):
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click"; the token is the proof.
    founder.unsubscribe(token, utcnow())
    return response(204, "", "text/plain")


@app.delete("/status")
def erase_own_data():
    groups = founder.erase_own_data(_founder(), utcnow())
    logger.info("founder data erased", extra={"groups": groups})
    return response(204, "", "text/plain")


@app.post("/erasures")
def erase_by_address():
    caller = founder.require_admin(caller_of(_event()))  # 401/403 before the body is read
    groups = founder.erase_for_admin(caller, _body(), utcnow())
    logger.info("erasure by an admin", extra={"groups": groups, "caller": caller.actor_id})
    return json_response(200, {"groups": groups})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
