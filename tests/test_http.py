"""The one mapping of errors to RFC 9457 problems, for one-route and many-route functions."""

from __future__ import annotations

import json
import re

import pytest

from local.event_shapes import http_api_event
from shared.api.problems import Router, endpoint, json_response
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


def test_the_router_maps_errors_and_response_dicts_the_same_way():
    app = Router()

    @app.get("/things/<thing_id>")
    def get_thing(event, thing_id: str):
        if thing_id == "missing":
            raise NotFound("No such thing.")
        return json_response(200, {"id": thing_id}, headers={"ETag": '"3"'})

    @app.get("/boom")
    def boom(event):
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


def test_the_router_matches_method_and_template_and_passes_each_path_parameter():
    app = Router()
    seen = []

    @app.get("/groups/<group_id>")
    def read(event, group_id: str):
        seen.append(("read", group_id, event["rawPath"]))
        return json_response(200, {})

    @app.patch("/groups/<group_id>/members/<member_id>")
    def correct(event, group_id: str, member_id: str):
        seen.append(("correct", group_id, member_id))
        return json_response(200, {})

    assert app.resolve(http_api_event("GET", "/groups/g-1"))["statusCode"] == 200
    assert app.resolve(http_api_event("PATCH", "/groups/g-1/members/m-2"))["statusCode"] == 200
    assert seen == [("read", "g-1", "/groups/g-1"), ("correct", "g-1", "m-2")]
    # another method on a known path, a longer path, an empty segment: none is a route
    for method, path in [("DELETE", "/groups/g-1"), ("GET", "/groups/g-1/x"), ("GET", "/groups/"), ("GET", "/groups")]:
        refused = app.resolve(http_api_event(method, path))
        assert (refused["statusCode"], refused["headers"]["Content-Type"]) == (404, "application/problem+json")
    assert len(seen) == 2


def test_the_router_strips_a_named_stage_from_the_path():
    app = Router()

    @app.get("/status")
    def status(event):
        return json_response(200, {"ok": True})

    event = http_api_event("GET", "/prod/status")
    event["requestContext"]["stage"] = "prod"
    assert app.resolve(event)["statusCode"] == 200


# --- what an unexpected error logs ------------------------------------------------------------

LEAKY = "could not parse ana.souza@example.com: 'Meet me at 5 Elm St'"


def test_an_unexpected_error_logs_its_type_and_place_never_its_text(caplog):
    @endpoint
    def crash(event):
        raise ValueError(LEAKY)

    app = Router()

    @app.get("/boom")
    def boom(event):
        raise ValueError(LEAKY)

    with caplog.at_level("INFO"):
        one = crash(http_api_event("POST", "/x"))
        many = app.resolve(http_api_event("GET", "/boom"), None)

    assert (one["statusCode"], many["statusCode"]) == (500, 500)
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(logged) == 2
    for record in logged:
        assert record.exc_info is None
        assert record.error_type == "ValueError"
        assert re.fullmatch(r"tests/test_http\.py:\d+", record.error_at)
    assert "ana.souza" not in caplog.text
    assert "Elm St" not in caplog.text


# --- the client's address behind CloudFront -------------------------------------------------

ORIGIN_SECRET = "s3cret-from-the-distribution-0123456789abcdef"


def edge_event(headers: dict[str, str]) -> dict:
    return {"headers": headers, "requestContext": {"http": {"sourceIp": "130.176.0.1"}}}  # an edge's address


def test_the_viewer_address_is_trusted_from_a_request_carrying_the_origin_secret(monkeypatch):
    from shared.api.problems import source_ip

    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", ORIGIN_SECRET)
    event = edge_event({"x-origin-verify": ORIGIN_SECRET, "X-Viewer-Address": "203.0.113.9"})
    assert source_ip(event) == "203.0.113.9"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-viewer-address": "203.0.113.9"},  # sent to the API directly, claiming an address
        {"x-origin-verify": "guess", "x-viewer-address": "203.0.113.9"},
        {"x-origin-verify": ORIGIN_SECRET},  # no viewer address
    ],
)
def test_the_viewer_address_is_ignored_without_the_origin_secret(monkeypatch, headers):
    from shared.api.problems import source_ip

    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", ORIGIN_SECRET)
    assert source_ip(edge_event(headers)) == "130.176.0.1"


def test_without_a_configured_secret_the_connection_address_counts(monkeypatch):
    from shared.api.problems import source_ip

    monkeypatch.delenv("ORIGIN_VERIFY_SECRET", raising=False)
    event = edge_event({"x-origin-verify": "", "x-viewer-address": "203.0.113.9"})
    assert source_ip(event) == "130.176.0.1"
