"""Every trigger of template.yaml is wired in the local stack: its HttpApi routes served,
its DynamoDB and SQS event sources pumped, its schedules runnable, its rules delivering
somewhere moto can. A trigger the local stack cannot drive fails here, loudly, instead of
being silently left out of `make dev`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import boto3

from local import drivers
from local.routes import find, jwt_authorizer, routes
from local.template import Resolver, load, resources_of_type

# The kinds of function event the local stack drives (local/routes.py, local/drivers.py).
DRIVEN = {"HttpApi", "DynamoDB", "SQS", "Schedule", "ScheduleV2"}


def declared(*kinds: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(function, event name, raw properties) of the template's function events of `kinds`."""
    return [
        (logical, name, event.get("Properties") or {})
        for logical, function in resources_of_type(load(), "AWS::Serverless::Function").items()
        for name, event in (function["Properties"].get("Events") or {}).items()
        if event["Type"] in kinds
    ]


def test_every_function_event_is_of_a_kind_the_local_stack_drives():
    kinds = {
        (logical, name): event["Type"]
        for logical, function in resources_of_type(load(), "AWS::Serverless::Function").items()
        for name, event in (function["Properties"].get("Events") or {}).items()
    }

    assert {k: v for k, v in kinds.items() if v not in DRIVEN} == {}


def test_every_http_api_event_is_served_by_its_function():
    table = routes(load())

    for function, name, props in declared("HttpApi"):
        path = re.sub(r"\{[^}]+\}", "x", props["Path"])
        route, _ = find(table, props["Method"].upper(), path)
        assert (route.function, route.event) == (function, name)
    assert len(table) == len(declared("HttpApi"))


def test_only_the_public_form_routes_skip_the_organizer_authorizer():
    # DESIGN §2: POST /inquiries and GET /organizers are public; the rest needs a Cognito JWT.
    for route in routes(load()):
        public = route.route_key in ("POST /inquiries", "GET /organizers")
        assert (route.authorizer is None) == public, route.route_key


def test_every_authorizer_checks_tokens_of_the_templates_user_pool_and_client(aws):
    pool = aws.name("OrganizerUserPool")

    for route in (r for r in routes(load()) if r.authorizer):
        authorizer = jwt_authorizer(aws, route)
        assert authorizer.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
        assert authorizer.audience == (aws.name("OrganizerUserPoolClient"),)


def test_every_stream_and_queue_event_source_is_pumped_from_its_own_resource(aws):
    pumped = {(p.function, p.event_name): p.props for p in drivers.pumps(aws)}

    expected = declared("DynamoDB", "SQS")
    assert set(pumped) == {(function, name) for function, name, _ in expected}
    for function, name, props in expected:
        assert pumped[function, name] == aws.resolver.resolve(props)


def test_every_schedule_runs_its_function_with_the_time_it_is_given(aws):
    schedules = {(s.function, s.name): s for s in drivers.schedules(aws)}

    assert set(schedules) == {(function, name) for function, name, _ in declared("Schedule", "ScheduleV2")}
    for schedule in schedules.values():
        if "Input" not in schedule.props:
            event = schedule.event(datetime(2026, 3, 2, 9, tzinfo=UTC))
            assert event["time"] == "2026-03-02T09:00:00Z"
            assert event["detail-type"] == "Scheduled Event"


def test_every_rule_delivers_to_a_queue_of_the_template(aws):
    # moto delivers rule matches to SQS targets only; a Lambda target could not run locally.
    queues = {aws.attr(q, "Arn") for q in resources_of_type(load(), "AWS::SQS::Queue")}

    for rule in resources_of_type(load(), "AWS::Events::Rule").values():
        for target in aws.resolver.resolve(rule["Properties"]["Targets"]):
            assert target["Arn"] in queues


def test_in_aws_the_functions_use_the_real_endpoints(aws, monkeypatch):
    # AWS_ENDPOINT_URL is declared only so that `sam local invoke --env-vars` can set it.
    deployed = Resolver(load(), aws.resolver.physical)  # no parameter overrides, as `sam deploy`
    for function in resources_of_type(load(), "AWS::Serverless::Function"):
        assert deployed.function_environment(function)["AWS_ENDPOINT_URL"] == ""

    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    assert boto3.client("sqs", region_name="us-east-1").meta.endpoint_url == "https://sqs.us-east-1.amazonaws.com"
