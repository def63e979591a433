"""Every trigger of template.yaml is wired in the local stack: its HttpApi routes served,
its DynamoDB and SQS event sources pumped, its schedules runnable, its rules delivering
somewhere moto can. A trigger the local stack cannot drive fails here, loudly, instead of
being silently left out of `make dev`."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from local import drivers, provision, schedules
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


def test_only_the_public_and_founder_routes_skip_the_organizer_authorizer():
    # DESIGN §2: POST /inquiries and GET /organizers are public; §2b: the founder's routes
    # check their own magic-link token; the rest (POST /erasures too) needs a Cognito JWT.
    for route in routes(load()):
        public = route.route_key in ("POST /inquiries", "GET /organizers", "GET /groups/nearby") or (
            route.path.startswith("/status") and route.function == "FounderFunction"
        )
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
    # DESIGN §5: scheduled handlers take "now" from the event's `time`, so every schedule
    # must deliver the scheduled time there: through its Input's <aws.scheduler.scheduled-time>,
    # or as the default Scheduled Event's own `time`.
    found = {(s.function, s.name): s for s in schedules.schedules(aws)}

    assert set(found) == {(function, name) for function, name, _ in declared("Schedule", "ScheduleV2")}
    for schedule in found.values():
        event = schedule.event(datetime(2026, 3, 2, 9, tzinfo=UTC))
        assert event["time"] == "2026-03-02T09:00:00Z", schedule.name
        if "Input" not in schedule.props:
            assert event["detail-type"] == "Scheduled Event"


def test_every_schedule_fires_on_its_own_expression_and_time_zone(aws):
    for function, name, props in declared("ScheduleV2"):
        [schedule] = [s for s in schedules.schedules(aws) if s.key == (function, name)]
        assert schedule.expression == props["ScheduleExpression"]
        assert schedule.timezone == props.get("ScheduleExpressionTimezone", "UTC")
        assert schedule.enabled == (props.get("State", "ENABLED") == "ENABLED")


# ScheduleV2 properties the local stack honours, or knowingly leaves out because locally
# they change nothing (delivery to Lambda cannot fail; docs/local-stack.md says so).
SCHEDULE_PROPERTIES = {"ScheduleExpression", "ScheduleExpressionTimezone", "Input", "State", "Description"}
SCHEDULE_PROPERTIES_WITHOUT_EFFECT = {"RetryPolicy", "DeadLetterConfig", "FlexibleTimeWindow"}


def test_every_schedule_uses_only_properties_the_local_stack_emulates():
    for function, name, props in declared("ScheduleV2"):
        assert set(props) <= SCHEDULE_PROPERTIES | SCHEDULE_PROPERTIES_WITHOUT_EFFECT, (function, name)


def test_every_scheduled_functions_event_invoke_config_is_the_one_the_local_stack_applies(aws):
    timer = schedules.Scheduler(aws, schedules.schedules(aws), invoke=lambda f, e: None, started=datetime.now(UTC))

    for function, _, _ in declared("Schedule", "ScheduleV2"):
        declared_config = aws.resolver.resolve(load()["Resources"][function]["Properties"]["EventInvokeConfig"])
        applied = timer.configs[function]
        assert applied.maximum_retry_attempts == declared_config["MaximumRetryAttempts"]
        assert applied.maximum_event_age.total_seconds() == declared_config["MaximumEventAgeInSeconds"]
        assert applied.on_failure == declared_config["DestinationConfig"]["OnFailure"]["Destination"]
        assert applied.on_failure == aws.attr("ScheduledRunsDLQ", "Arn")


def test_every_schedules_dead_letter_queue_is_a_queue_of_the_stack(aws):
    for _, _, props in declared("ScheduleV2"):
        dead_letters = aws.resolver.resolve(props["DeadLetterConfig"]["Arn"])
        assert aws.queue_url(dead_letters) == aws.name("ScheduledRunsDLQ")


@pytest.mark.parametrize(("function", "name"), [(f, n) for f, n, _ in declared("Schedule", "ScheduleV2")])
def test_a_scheduled_run_that_keeps_failing_ends_in_its_functions_on_failure_queue(aws, function, name):
    attempts = []

    def failing(fn: str, event: dict) -> None:
        attempts.append(event)
        raise RuntimeError("down")

    [schedule] = [s for s in schedules.schedules(aws) if s.key == (function, name)]
    started = datetime(2026, 3, 1, tzinfo=UTC)
    timer = schedules.Scheduler(aws, [schedule], failing, started=started, retry_delay=timedelta(seconds=1))
    due = timer.next_time(schedule)
    for second in range(10):
        timer.tick(due + timedelta(seconds=second))

    config = load()["Resources"][function]["Properties"]["EventInvokeConfig"]
    queue = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    sqs = aws.session.client("sqs")
    [message] = sqs.receive_message(QueueUrl=aws.name(queue), MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert len(attempts) == 1 + config["MaximumRetryAttempts"]
    assert record["requestContext"]["approximateInvokeCount"] == len(attempts)
    assert record["requestPayload"] == schedule.event(due) == attempts[0]


def test_every_rule_delivers_to_a_queue_of_the_template(aws):
    # moto delivers rule matches to SQS targets only; a Lambda target could not run locally.
    queues = {aws.attr(q, "Arn") for q in resources_of_type(load(), "AWS::SQS::Queue")}

    for rule in resources_of_type(load(), "AWS::Events::Rule").values():
        for target in aws.resolver.resolve(rule["Properties"]["Targets"]):
            assert target["Arn"] in queues


def test_every_queue_and_rule_target_sets_only_properties_the_local_stack_honours():
    # The lists are local/provision.py's, which refuses anything else when it provisions.
    for logical, queue in resources_of_type(load(), "AWS::SQS::Queue").items():
        props = set(queue.get("Properties") or {})
        assert props <= provision.QUEUE_PROPERTIES | provision.QUEUE_PROPERTIES_WITHOUT_EFFECT, logical
    for logical, rule in resources_of_type(load(), "AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            assert set(target) <= provision.TARGET_PROPERTIES | provision.TARGET_PROPERTIES_WITHOUT_EFFECT, logical


def test_provisioning_refuses_a_rule_target_that_would_change_what_its_queue_receives(aws, monkeypatch):
    # Given the template with an InputTransformer on the email rule's target
    template = copy.deepcopy(load())
    [target] = template["Resources"]["EmailEventsRule"]["Properties"]["Targets"]
    target["InputTransformer"] = {"InputTemplate": '{"only": "this"}'}
    monkeypatch.setattr(provision, "load", lambda: template)

    # When it is provisioned, Then it fails, naming the rule and the property
    with pytest.raises(ValueError, match=r"EmailEventsRule.*InputTransformer"):
        provision.provision(boto3.Session(region_name="us-east-1"), stack_name="refused")


def test_provisioning_refuses_a_queue_property_it_does_not_emulate(aws, monkeypatch):
    template = copy.deepcopy(load())
    template["Resources"]["EmailQueue"]["Properties"]["FifoQueue"] = True
    monkeypatch.setattr(provision, "load", lambda: template)

    with pytest.raises(ValueError, match=r"EmailQueue.*FifoQueue"):
        provision.provision(boto3.Session(region_name="us-east-1"), stack_name="refused")


def test_in_aws_the_functions_use_the_real_endpoints(aws, monkeypatch):
    # AWS_ENDPOINT_URL is declared only so that `sam local invoke --env-vars` can set it.
    deployed = Resolver(load(), aws.resolver.physical)  # no parameter overrides, as `sam deploy`
    for function in resources_of_type(load(), "AWS::Serverless::Function"):
        assert deployed.function_environment(function)["AWS_ENDPOINT_URL"] == ""
        assert deployed.function_environment(function)["AWS_ENDPOINT_URL_DYNAMODB"] == ""

    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
    assert boto3.client("dynamodb", region_name="us-east-1").meta.endpoint_url.startswith("https://dynamodb.")
    assert boto3.client("sqs", region_name="us-east-1").meta.endpoint_url == "https://sqs.us-east-1.amazonaws.com"
