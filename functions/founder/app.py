"""The founder's own page (DESIGN §2b): a magic-link token in `Authorization: Bearer`, verified
here (not by API Gateway's JWT authorizer); and the admins' erasure by address (JWT).
shared/usecases/founder.py and shared/usecases/erasure.py do the work."""

from collections.abc import Callable

from aws_lambda_powertools import Logger

from shared.api import founder_tokens
from shared.api.auth import caller_of
from shared.api.problems import (
    HttpResponse,
    Route,
    Router,
    header,
    json_response,
    read_json_object,
    response,
    source_ip,
)
from shared.domain.clock import utcnow
from shared.usecases import founder

logger = Logger()
app = Router()


def _founder(event: dict):
    """The holder of the status token in `Authorization: Bearer` (401 first, before the body)."""
    return founder.founder_of(founder_tokens.bearer(header(event, "Authorization")), utcnow())


@app.get("/status")
def get_status(event: dict):
    return json_response(200, founder.get_status(_founder(event)))


@app.post("/status/link")
def request_link(event: dict):
    founder.request_link(read_json_object(event), source_ip(event), utcnow())
    return json_response(202, {"detail": "If this address has a group, its link is on its way."})


def _body_write(status: int, write: Callable[..., dict]) -> Route:
    """A founder's write of a JSON body: the token checked first, then the body read."""

    def route(event: dict) -> HttpResponse:
        holder = _founder(event)
        return json_response(status, write(holder, read_json_object(event), utcnow()))

    return route


app.post("/status/members")(_body_write(201, founder.add_member))
app.post("/status/activities")(_body_write(201, founder.log_activity))
app.patch("/status/contact")(_body_write(200, founder.update_contact))


@app.post("/status/withdraw")
def withdraw(event: dict):
    holder = _founder(event)
    written = founder.withdraw(holder, read_json_object(event) if event.get("body") else {}, utcnow())
    logger.info("founder withdrew", extra={"group_id": written["group_id"]})
    return json_response(200, written)


@app.post("/status/unsubscribe")
def unsubscribe_from_page(event: dict):
    founder.unsubscribe(founder_tokens.bearer(header(event, "Authorization")), utcnow(), founder_tokens.STATUS)
    return response(204, "", "text/plain")


@app.post("/status/unsubscribe/<token>")
def unsubscribe_one_click(event: dict, token: str):
    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click"; the token is the proof.
    founder.unsubscribe(token, utcnow())
    return response(204, "", "text/plain")


@app.delete("/status")
def erase_own_data(event: dict):
    groups = founder.erase_own_data(_founder(event), utcnow())
    logger.info("founder data erased", extra={"groups": groups})
    return response(204, "", "text/plain")


@app.post("/erasures")
def erase_by_address(event: dict):
    caller = founder.require_admin(caller_of(event))  # 401/403 before the body is read
    groups = founder.erase_for_admin(caller, read_json_object(event), utcnow())
    logger.info("erasure by an admin", extra={"groups": groups, "caller": caller.actor_id})
    return json_response(200, {"groups": groups})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return app.resolve(event, context)
