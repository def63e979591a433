"""The one mapping of errors to RFC 9457 problems, for one-route and many-route functions."""

from __future__ import annotations

import json

from local.event_shapes import http_api_event
from shared.api.problems import endpoint, json_response, make_resolver
from shared.domain.errors import GateNotMet, NotFound, RateLimited


def test_a_domain_error_becomes_its_problem_with_extensions():
    @endpoint
    def refuse(event):
        raise GateNotMet("The learn_more gate is not met.", ["conversation"])

    out = refuse(http_api_event("POST", "/x"))
    assert out["statusCode"] == 409
    assert out["headers"]["Content-Type"] == "application/problem+json"
    assert json.loads(out["body"])["unmet"] == ["conversation"]


def test_a_rate_limit_problem_carries_retry_after():
    @endpoint
    def refuse(event):
        raise RateLimited("slow down", retry_after_seconds=42)

    assert refuse(http_api_event("POST", "/x"))["headers"]["Retry-After"] == "42"


def test_the_resolver_maps_errors_and_response_dicts_the_same_way():
    app = make_resolver()

    @app.get("/things/<thing_id>")
    def get_thing(thing_id: str):
        if thing_id == "missing":
            raise NotFound("No such thing.")
        return json_response(200, {"id": thing_id}, headers={"ETag": '"3"'})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    found = app.resolve(http_api_event("GET", "/things/a", route_key="GET /things/{thing_id}"), None)
    missing = app.resolve(http_api_event("GET", "/things/missing", route_key="GET /things/{thing_id}"), None)
    unknown = app.resolve(http_api_event("GET", "/nowhere"), None)
    crashed = app.resolve(http_api_event("GET", "/boom"), None)

    assert (found["statusCode"], json.loads(found["body"]), found["headers"]["ETag"]) == (200, {"id": "a"}, '"3"')
    assert found["headers"]["Content-Type"] == "application/json"
    assert (missing["statusCode"], missing["headers"]["Content-Type"]) == (404, "application/problem+json")
    assert unknown["statusCode"] == 404
    assert crashed["statusCode"] == 500
    assert "secret" not in crashed["body"]
