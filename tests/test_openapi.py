"""docs/openapi.yaml describes the HTTP API as it is: every route of template.yaml is in it
(routes of the contract still to come are marked `x-planned`, and may land before the mark
goes), every error is a problem, and the handlers' real answers, on moto, match the
document's schemas, while what the document refuses the handlers refuse too. web/docs/
(served by `make dev` at /docs) is made from it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.conftest import ROOT
from tests.given import day
from tests.pipeline import ADMIN, HttpResult, call_api, organizer_claims, store_submissions

DOC_PATH = ROOT / "docs" / "openapi.yaml"
DOC_URI = "urn:start-a-group:openapi"
METHODS = ("get", "put", "post", "patch", "delete")


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(DOC_PATH.read_text())


def operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in document()["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


@cache
def template_routes() -> dict[tuple[str, str], Any]:
    from local.routes import routes
    from local.template import load

    return {(r.method, r.path): r for r in routes(load())}


@cache
def _registry() -> Registry:
    return Registry().with_resource(DOC_URI, DRAFT202012.create_resource(document()))


def _absolute(schema: Any) -> Any:
    """The schema with its `#/...` references pointing into the document."""
    if isinstance(schema, dict):
        return {k: DOC_URI + v if k == "$ref" and v.startswith("#") else _absolute(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_absolute(v) for v in schema]
    return schema


def schema_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    check = Draft202012Validator(_absolute(schema), registry=_registry(), format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in check.iter_errors(instance)]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A Response or Parameter object, following one `$ref` inside the document."""
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


# --- the document against the template ----------------------------------------------------


def test_the_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    assert document()["openapi"].startswith("3.1")
    validate(document())


def test_every_route_of_the_template_is_documented():
    missing = sorted(key for key in template_routes() if key not in operations())

    assert missing == [], "routes of template.yaml missing from docs/openapi.yaml"


def test_every_documented_route_is_in_the_template_unless_planned():
    deployed = template_routes()
    unknown = sorted(key for key, op in operations().items() if not op.get("x-planned") and key not in deployed)

    assert unknown == [], "documented but not in template.yaml: mark them x-planned or add the routes"


def test_a_route_needs_the_organizer_token_in_the_document_exactly_when_the_template_puts_the_authorizer_before_it():
    for key, route in template_routes().items():
        schemes = {name for need in operations()[key].get("security", document()["security"]) for name in need}
        assert ("organizerToken" in schemes) == (route.authorizer is not None), key


def test_the_founder_routes_take_the_founder_token_and_nothing_else():
    for (method, path), op in operations().items():
        if path.startswith("/status") and path not in ("/status/link", "/status/unsubscribe/{token}"):
            assert op.get("security") == [{"founderToken": []}], (method, path)


def test_every_error_answer_is_a_problem():
    for key, op in operations().items():
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert list(resolve(response).get("content", {})) == ["application/problem+json"], (key, status)


def test_every_request_example_is_valid_against_its_schema():
    for key, op in operations().items():
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        assert "example" in content, f"{key}: give an example body (the handler test sends it)"
        assert schema_errors(content["schema"], content["example"]) == [], key


def test_the_published_copy_in_web_docs_is_current():
    from scripts.api_docs import render

    page, spec = render(document())

    assert (ROOT / "web" / "docs" / "index.html").read_text() == page, "run: .venv/bin/python -m scripts.api_docs"
    assert json.loads((ROOT / "web" / "docs" / "openapi.json").read_text()) == spec


# --- the document against the handlers ----------------------------------------------------


class Exchanges:
    """Calls the routes of template.yaml as API Gateway would, and checks each answer (and
    what was sent) against the document."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.succeeded: set[tuple[str, str]] = set()

    def call(
        self,
        method: str,
        path: str,
        claims: dict[str, Any] | None = ADMIN,
        body: Any = None,
        *,
        raw_body: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        from local.routes import find

        found = find(list(template_routes().values()), method, path)
        assert found is not None, f"no route of template.yaml serves {method} {path}"
        route, params = found
        headers = dict(headers or {})
        if raw_body is not None:
            headers.setdefault("content-type", "application/json")
        answer = call_api(
            self.stack,
            route.function,
            method,
            path,
            body=body,
            raw_body=raw_body,
            headers=headers,
            query=query,
            claims=claims,
            route_key=route.route_key,
            path_parameters=params,
        )
        self.check((method, route.path), body, answer)
        if route.function == "IntakeFunction":
            store_submissions(self.stack)  # what the intake queue's consumer does a moment later
        return answer

    def check(self, key: tuple[str, str], sent: Any, answer: HttpResult) -> None:
        op = operations()[key]
        status = str(answer.status)
        assert status in op["responses"], f"{key} answered {status}, which the document does not list"
        response = resolve(op["responses"][status])
        media_type = answer.content_type.split(";")[0].strip()
        content = response.get("content", {})
        if answer.body is None:
            assert content == {} or answer.status == 204, f"{key} {status}: no body"
        else:
            assert media_type in content, f"{key} {status}: {media_type} is not documented"
            errors = schema_errors(content[media_type]["schema"], answer.body)
            assert errors == [], f"{key} {status}: the answer does not match the document: {errors}"
        for name, header in response.get("headers", {}).items():
            assert name in answer.headers, f"{key} {status}: no {name} header"
            assert schema_errors(resolve(header)["schema"], answer.headers[name]) == [], (key, name)
        request = op.get("requestBody", {}).get("content", {}).get("application/json")
        if request is not None and sent is not None:
            refused_by_document = schema_errors(request["schema"], sent) != []
            if answer.status < 300:
                assert not refused_by_document, f"{key}: the handler accepted a body the document refuses: {sent}"
            if answer.status == 422:
                assert refused_by_document, f"{key}: the handler refused a body the document accepts: {sent}"
        if answer.status < 300:
            self.succeeded.add(key)


def example(method: str, path: str) -> Any:
    return operations()[(method, path)]["requestBody"]["content"]["application/json"]["example"]


def test_the_handlers_answer_as_the_document_says(aws, directory):
    api = Exchanges(aws)
    form = example("POST", "/inquiries")

    api.call("POST", "/inquiries", None, form)
    api.call("POST", "/inquiries", None, {**form, "email": "not an address"})
    api.call("POST", "/inquiries", None, {**form, "surname": "Souza"})
    api.call("POST", "/inquiries", None, raw_body="{not json")
    api.call("GET", "/organizers", None, query={"state": "CA"})
    api.call("GET", "/organizers", None, query={"state": "ZZ"})
    listing = api.call("GET", "/groups")
    api.call("GET", "/groups", query={"limit": "0"})
    api.call("GET", "/groups", None)
    gid = listing.body["items"][0]["group_id"]
    group = f"/groups/{gid}"
    api.call("GET", group)
    api.call("GET", "/groups/no-such-group")
    api.call("GET", "/groups", query={"organizer": "me"})
    api.call("GET", "/groups", query={"organizer": "ac-ca-north", "q": "SOUZA"})
    api.call("GET", "/groups", query={"organizer": "not an id"})
    api.call("GET", "/groups", query={"state": "CA", "next_token": "not-a-token"})
    member = api.call("POST", f"{group}/members", body=example("POST", "/groups/{group_id}/members"))
    api.call("POST", f"{group}/members", body={"name": "Cy Diaz", "role": "chair"})
    logged = api.call("POST", f"{group}/activities", body=example("POST", "/groups/{group_id}/activities"))
    api.call("POST", f"{group}/activities", body={"kind": "meeting"})
    assert (
        api.call("POST", f"{group}/stage", body=example("POST", "/groups/{group_id}/stage")).status == 409
    )  # no conversation
    assert api.call("POST", f"{group}/stage", body={"to": "closed"}).status == 422  # no reason
    api.call("POST", f"{group}/activities", body={"kind": "conversation", "date": day(0)})
    assert api.call("POST", f"{group}/stage", body={"to": "organize_core"}, headers={"if-match": '"1"'}).status == 412
    named_early = {"to": "organize_core", "name": "Mission Letter Writers"}  # a name comes with the charter
    assert api.call("POST", f"{group}/stage", body=named_early).status == 422
    api.call("POST", f"{group}/stage", body=example("POST", "/groups/{group_id}/stage"))
    assert (
        api.call("PUT", f"{group}/plan", body=example("PUT", "/groups/{group_id}/plan")).status == 409
    )  # not at develop_plan

    a_member = f"{group}/members/{member.body['member']['member_id']}"
    api.call("PATCH", a_member, body=example("PATCH", "/groups/{group_id}/members/{member_id}"))
    api.call("PATCH", a_member, body={"email": None})
    assert api.call("PATCH", a_member, body={}).status == 422
    assert api.call("PATCH", a_member, body={"email": form["email"]}).status == 409  # the founder's address
    assert api.call("PATCH", a_member, body={"role": "core"}, headers={"if-match": '"1"'}).status == 412
    assert api.call("PATCH", f"{group}/members/no-such-member", body={"role": "core"}).status == 404
    an_activity = f"{group}/activities/{logged.body['activity']['activity_id']}"
    api.call("PATCH", an_activity, body=example("PATCH", "/groups/{group_id}/activities/{activity_id}"))
    api.call("PATCH", an_activity, body={"notes": None, "kind": "event"})
    assert api.call("PATCH", an_activity, body={"date": "15/01/2026"}).status == 422
    assert api.call("PATCH", f"{group}/activities/no-such-activity", body={"notes": "x"}).status == 404
    reassign = example("PUT", "/groups/{group_id}/organizer")
    assert api.call("PUT", f"{group}/organizer", organizer_claims(directory, "ac-ca-north"), reassign).status == 403
    assert api.call("PUT", f"{group}/organizer", body={"organizer_id": ""}).status == 422
    api.call("PUT", f"{group}/organizer", body=reassign)
    assert api.call("PUT", f"{group}/organizer", body=reassign).status == 200  # again: already theirs
    history = api.call("GET", group).body["history"]
    assert {h["change"] for h in history} == {"stage_moved", "member_corrected", "activity_corrected", "reassigned"}
    api.call("DELETE", an_activity)
    assert api.call("DELETE", an_activity).status == 404  # gone
    assert api.call("DELETE", a_member, headers={"if-match": '"1"'}).status == 412
    api.call("POST", f"{group}/stage", body={"to": "closed", "reason": "duplicate"})
    assert api.call("DELETE", a_member).status == 409  # closed
    assert api.call("PATCH", a_member, body={"role": "core"}).status == 409  # closed

    api.call("GET", "/reports/pipeline")
    api.call("GET", "/reports/groups.csv")
    api.call("GET", "/reports/groups.csv", organizer_claims(directory, "ac-ca-north"))
    api.call("GET", "/reports/pipeline", query={"format": "csv"})
    api.call("GET", "/reports/pipeline", query={"format": "xml"})

    from tests import given

    charted = given.group_at(aws, "get_chartered", "bo.chen@example.com")
    charter = {"to": "develop_plan", "case_id": "AMR 51/001/2026", "name": "Mission Letter Writers"}
    number = api.call("POST", f"/groups/{charted}/stage", body=charter).body["group_number"]
    api.call("PUT", f"/groups/{charted}/plan", body=example("PUT", "/groups/{group_id}/plan"))
    renamed = {**example("PUT", "/groups/{group_id}/plan"), "name": "Mission District Letter Writers"}
    assert api.call("PUT", f"/groups/{charted}/plan", body=renamed).body["name"] == renamed["name"]
    assert api.call("PUT", f"/groups/{charted}/plan", body={**renamed, "name": ""}).status == 422

    # The public nearby list, and the form sent to join a group from it instead of starting one.
    near = api.call("GET", "/groups/nearby", None, query={"zip": form["zip"], "radius_mi": "10"}).body
    assert [(g["group_number"], g["name"]) for g in near] == [(number, renamed["name"])]
    neighbours = api.call("GET", f"/groups/{charted}/nearby", query={"radius_mi": "100"}).body
    assert neighbours["located"]
    assert neighbours["chartered"] == []
    assert api.call("GET", f"/groups/{charted}/nearby", query={"radius_mi": "0"}).status == 422
    assert api.call("GET", "/groups/no-such-group/nearby").status == 404
    assert api.call("GET", "/groups/nearby", None, query={"zip": "941"}).status == 422
    assert api.call("GET", "/groups/nearby", None, query={"zip": form["zip"], "radius_mi": "500"}).status == 422
    joiner = {**form, "email": "eli.fox@example.com", "language": "es"}
    api.call("POST", "/inquiries", None, {**joiner, "join_group": number})
    api.call("POST", "/inquiries", None, {**joiner, "join_group": str(number)})
    assert api.call("POST", "/inquiries", None, {**joiner, "join_group": 0}).status == 422
    assert api.call("POST", "/inquiries", None, {**joiner, "language": "fr"}).status == 422
    assert api.call("GET", f"/groups/{charted}").body["join_requests"] >= 1
    charted_member = api.call("GET", f"/groups/{charted}").body["members"][0]["member_id"]
    api.call("DELETE", f"/groups/{charted}/members/{charted_member}")

    # The founder's page: the token of their emailed link, issued as tests/test_founder_page.py does.
    from shared.api import founder_tokens

    founders_group = given.new_group(aws, "cy.diaz@example.com")
    bearer = {"authorization": f"Bearer {founder_tokens.issue(founders_group, given.now())}"}
    api.call("POST", "/status/link", None, example("POST", "/status/link"))
    assert api.call("POST", "/status/link", None, {"email": "not an address"}).status == 422
    api.call("GET", "/status", None, headers=bearer)
    assert api.call("GET", "/status", None).status == 401
    assert api.call("GET", "/status", None, headers={"authorization": "Bearer not-a-token"}).status == 401
    api.call("POST", "/status/members", None, example("POST", "/status/members"), headers=bearer)
    assert api.call("POST", "/status/members", None, {"name": "Cy Diaz", "role": "chair"}, headers=bearer).status == 422
    api.call("POST", "/status/activities", None, example("POST", "/status/activities"), headers=bearer)
    conversation = {"kind": "conversation", "date": day(0)}  # the organizer's to log
    assert api.call("POST", "/status/activities", None, conversation, headers=bearer).status == 422
    api.call("PATCH", "/status/contact", None, example("PATCH", "/status/contact"), headers=bearer)
    assert api.call("PATCH", "/status/contact", None, {}, headers=bearer).status == 422
    assert api.call("PATCH", "/status/contact", None, {"email": "x@example.com"}, headers=bearer).status == 422
    api.call("POST", "/status/unsubscribe", None, headers=bearer)
    assert api.call("POST", "/status/unsubscribe", None).status == 401
    one_click = founder_tokens.issue(founders_group, given.now(), purpose=founder_tokens.UNSUBSCRIBE)
    form_encoded = {"content-type": "application/x-www-form-urlencoded"}
    one_click_body = "List-Unsubscribe=One-Click"
    api.call("POST", f"/status/unsubscribe/{one_click}", None, raw_body=one_click_body, headers=form_encoded)
    assert api.call("POST", "/status/unsubscribe/not-a-token", None, raw_body="", headers=form_encoded).status == 401
    assert api.call("POST", "/status/withdraw", None, {"reason": "moved"}, headers=bearer).status == 422
    api.call("POST", "/status/withdraw", None, example("POST", "/status/withdraw"), headers=bearer)
    assert api.call("GET", "/status", None, headers=bearer).status == 200  # withdrawn: the founder still reads
    assert api.call("PATCH", "/status/contact", None, {"name": "Ana S."}, headers=bearer).status == 409
    erased = given.new_group(aws, "di.evans@example.com")
    erased_bearer = {"authorization": f"Bearer {founder_tokens.issue(erased, given.now())}"}
    api.call("DELETE", "/status", None, headers=erased_bearer)
    assert api.call("DELETE", "/status", None).status == 401
    erasure = example("POST", "/erasures")
    assert api.call("POST", "/erasures", organizer_claims(directory, "ac-ca-north"), erasure).status == 403
    assert api.call("POST", "/erasures", None, erasure).status == 401
    assert api.call("POST", "/erasures", body={"email": "not an address"}).status == 422
    assert api.call("POST", "/erasures", body=erasure).body["groups"] >= 1

    # Routes still marked x-planned may have landed in the template; the rest answered here.
    walked = [k for k in template_routes() if not operations()[k].get("x-planned")]
    assert sorted(k for k in walked if k not in api.succeeded) == [], "every deployed route answers as documented"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/groups/{group_id}/members", {"name": "Bo Chen", "role": "core", "nickname": "Bo"}),
        ("/groups/{group_id}/activities", {"kind": "meeting", "date": "15/01/2026"}),
        ("/groups/{group_id}/stage", {"to": "somewhere"}),
        ("/groups/{group_id}/plan", {"case_campaign": "Letters", "growth_goal": 0}),
        ("/groups/{group_id}/plan", {"case_campaign": "Letters", "growth_goal": 3, "case_id": "x" * 101}),
        ("/groups/{group_id}/organizer", {"organizer_id": "fo-west", "notes": "a typo of note"}),
    ],
)
def test_what_the_document_refuses_the_handlers_refuse(aws, directory, path, body):
    api = Exchanges(aws)
    api.call("POST", "/inquiries", None, example("POST", "/inquiries"))
    gid = api.call("GET", "/groups").body["items"][0]["group_id"]
    method = next(m for (m, p) in operations() if p == path and m in ("POST", "PUT"))

    answer = api.call(method, path.replace("{group_id}", gid), body=body)

    assert answer.status == 422


def test_every_documented_schema_is_used():
    text = Path(DOC_PATH).read_text()
    unused = [name for name in document()["components"]["schemas"] if f"schemas/{name}'" not in text]

    assert unused == []
