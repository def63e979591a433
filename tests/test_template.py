"""Rules of the team that sam validate and cfn-lint do not check (they run in `make validate`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local.template import load, resources_of_type
from tests.pipeline import call_api

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = load()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")


def snake(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id.removesuffix("Function")).lower()


def statements(function: dict) -> list[dict]:
    """The statements of the function's own role (template.yaml gives each one)."""
    role = TEMPLATE["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
    return [st for policy in role["Properties"]["Policies"] for st in policy["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_its_own_role_without_managed_policies(logical_id):
    props = FUNCTIONS[logical_id]["Properties"]
    assert "Policies" not in props  # SAM would add managed policies with Resource "*"
    role = TEMPLATE["Resources"][props["Role"]["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"]
    others = [f for f in FUNCTIONS.values() if f["Properties"]["Role"] == props["Role"]]
    assert len(others) == 1


def test_every_function_runs_python_3_13():
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.13"
    assert all("Runtime" not in f["Properties"] for f in FUNCTIONS.values())


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_a_log_group_with_retention(logical_id):
    groups = [
        g for g in resources_of_type(TEMPLATE, "AWS::Logs::LogGroup").values()
        if g["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
    ]  # fmt: skip
    assert len(groups) == 1
    assert groups[0]["Properties"]["RetentionInDays"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_a_sample_event(logical_id):
    assert list((ROOT / "events").glob(f"{snake(logical_id)}_*.json")), f"no events/{snake(logical_id)}_*.json"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_handler_code(logical_id):
    code = ROOT / FUNCTIONS[logical_id]["Properties"]["CodeUri"] / "app.py"
    assert "def handler(" in code.read_text()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_no_function_is_granted_wildcards(logical_id):
    for statement in statements(FUNCTIONS[logical_id]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions)
        assert statement["Resource"] != "*"


def test_every_async_source_has_somewhere_to_fail_to():
    for function in FUNCTIONS.values():
        for event in (function["Properties"].get("Events") or {}).values():
            props = event.get("Properties", {})
            if event["Type"] == "DynamoDB":
                assert props["DestinationConfig"]["OnFailure"]["Destination"]
                assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            if event["Type"] == "SQS":
                queue = props["Queue"]["Fn::GetAtt"][0]
                assert TEMPLATE["Resources"][queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
                assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    for rule in resources_of_type(TEMPLATE, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            assert target["DeadLetterConfig"]["Arn"]


def test_every_scheduled_function_sends_a_failed_run_to_a_dlq():
    # The Scheduler invokes asynchronously: its own DeadLetterConfig only sees deliveries
    # that failed, so a run that raised needs Lambda's OnFailure destination.
    scheduled = [
        function["Properties"]
        for function in FUNCTIONS.values()
        if any(e["Type"] == "ScheduleV2" for e in function["Properties"]["Events"].values())
    ]
    assert scheduled
    for props in scheduled:
        config = props["EventInvokeConfig"]
        assert config["MaximumRetryAttempts"] >= 1
        queue = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert TEMPLATE["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_every_dead_letter_queue_raises_an_alarm():
    dlqs = {
        redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in resources_of_type(TEMPLATE, "AWS::SQS::Queue").values()
        if (redrive := q.get("Properties", {}).get("RedrivePolicy"))
    }
    for function in FUNCTIONS.values():
        props = function["Properties"]
        if "EventInvokeConfig" in props:
            dlqs.add(props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0])
        for event in props.get("Events", {}).values():
            on_failure = event.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure")
            if on_failure:
                dlqs.add(on_failure["Destination"]["Fn::GetAtt"][0])
    watched = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and alarm["Properties"]["AlarmActions"] == [{"Ref": "OperationsTopic"}]
    }
    assert dlqs == {"OutboxDLQ", "EmailDLQ", "ScheduledRunsDLQ", "SesEventsDLQ", "InquiriesDLQ"}
    assert watched == dlqs


def test_the_email_claim_cannot_be_changed_by_an_organizer_unverified():
    # Identity is the `email` claim matched to the directory (shared/api/auth.py).
    pool = TEMPLATE["Resources"]["OrganizerUserPool"]["Properties"]
    client = TEMPLATE["Resources"]["OrganizerUserPoolClient"]["Properties"]
    assert pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]
    assert "email" not in client["WriteAttributes"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_table_writes_are_limited_to_the_partitions_a_function_owns(logical_id):
    # Every write permission on the groups table names the partitions it may touch.
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    for statement in statements(FUNCTIONS[logical_id]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if writes & set(actions) and statement["Resource"] == {"Fn::GetAtt": ["GroupsTable", "Arn"]}:
            condition = statement["Condition"]
            keys = next(iter(condition.values()))["dynamodb:LeadingKeys"]
            assert keys
            assert all(k != "*" for k in keys)


def test_the_table_streams_both_images_for_the_outbox():
    table = TEMPLATE["Resources"]["GroupsTable"]["Properties"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_the_product_never_scans():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("shared", "functions")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"\.(parallel_)?scan\(|[\"']scan[\"']|dynamodb:Scan", path.read_text(), re.IGNORECASE)
    ]
    assert offenders == []
    assert "dynamodb:Scan" not in (ROOT / "template.yaml").read_text()


# --- sign-in and the organizer API (issue 4) ----------------------------------------------

PUBLIC = {("POST", "/inquiries"), ("GET", "/organizers"), ("POST", "/status/link"), ("GET", "/groups/nearby")}
# The founder's routes: not behind the organizer authorizer; the function checks their
# magic-link token itself (DESIGN §2b), so without one they answer 401 like the others.
FOUNDER_TOKEN_ROUTES = {
    ("GET", "/status"),
    ("DELETE", "/status"),
    ("POST", "/status/members"),
    ("POST", "/status/activities"),
    ("PATCH", "/status/contact"),
    ("POST", "/status/withdraw"),
    ("POST", "/status/unsubscribe"),
    ("POST", "/status/unsubscribe/{token}"),
}


def http_routes(template):
    for logical, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for source in (function["Properties"].get("Events") or {}).values():
            if source["Type"] == "HttpApi":
                props = source["Properties"]
                yield logical, props["Method"], props["Path"], props.get("Auth")


ORGANIZER_ROUTES = [(fn, m, p) for fn, m, p, _ in http_routes(load()) if (m, p) not in PUBLIC]


def test_the_organizer_user_pool_and_its_groups():
    resources = load()["Resources"]

    pool = resources["OrganizerUserPool"]
    assert pool["Type"] == "AWS::Cognito::UserPool"
    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    assert pool["Properties"]["AutoVerifiedAttributes"] == ["email"]
    client = resources["OrganizerUserPoolClient"]["Properties"]
    assert client["UserPoolId"] == {"Ref": "OrganizerUserPool"}
    assert client["GenerateSecret"] is False
    # Password auth only where a parameter allows it (the local stack's dev sign-in).
    assert client["ExplicitAuthFlows"] == {
        "Fn::If": [
            "PasswordAuth",
            ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ]
    }
    assert load()["Parameters"]["AllowPasswordAuth"]["Default"] == "false"


def test_sign_in_is_hardened():
    resources = load()["Resources"]
    pool = resources["OrganizerUserPool"]
    client = resources["OrganizerUserPoolClient"]["Properties"]
    assert (pool["DeletionPolicy"], pool["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert load()["Parameters"]["ThreatProtection"]["Default"] == "ENFORCED"
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert (client["IdTokenValidity"], client["AccessTokenValidity"], client["RefreshTokenValidity"]) == (60, 60, 7)
    assert client["TokenValidityUnits"] == {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"}
    groups = {
        logical: resources[logical]["Properties"]["GroupName"]
        for logical in ("AdminsGroup", "FieldOrganizersGroup", "AreaCoordinatorsGroup")
        if resources[logical]["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    assert groups == {
        "AdminsGroup": "admins",
        "FieldOrganizersGroup": "field_organizers",
        "AreaCoordinatorsGroup": "area_coordinators",
    }


def test_the_http_api_verifies_cognito_jwts_by_default():
    auth = load()["Resources"]["HttpApi"]["Properties"]["Auth"]

    assert auth["DefaultAuthorizer"] == "OrganizerAuthorizer"
    authorizer = auth["Authorizers"]["OrganizerAuthorizer"]
    assert authorizer["IdentitySource"] == "$request.header.Authorization"
    assert authorizer["JwtConfiguration"] == {
        "issuer": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${OrganizerUserPool}"},
        "audience": [{"Ref": "OrganizerUserPoolClient"}],
    }


def test_only_the_public_routes_opt_out_of_the_authorizer():
    opted_out = {(m, p) for _, m, p, auth in http_routes(load()) if auth == {"Authorizer": "NONE"}}
    overridden = {(m, p) for _, m, p, auth in http_routes(load()) if auth is not None}

    assert opted_out == PUBLIC | FOUNDER_TOKEN_ROUTES
    assert overridden == PUBLIC | FOUNDER_TOKEN_ROUTES


@pytest.mark.parametrize(
    ("function", "method", "path"), ORGANIZER_ROUTES, ids=[f"{m} {p}" for _, m, p in ORGANIZER_ROUTES]
)
def test_every_organizer_route_is_served_and_refuses_a_request_without_a_token(aws, function, method, path):
    concrete = path.replace("{group_id}", "00000000-0000-0000-0000-000000000000")
    body = {} if method in ("POST", "PUT", "PATCH") else None

    response = call_api(aws, function, method, concrete, body=body, route_key=f"{method} {path}")

    assert response.status == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def test_every_schedule_retries_ends_in_a_dlq_and_passes_its_time():
    schedules = [
        event["Properties"]
        for function in FUNCTIONS.values()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "ScheduleV2"
    ]
    assert len(schedules) == 2
    for props in schedules:
        assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert props["DeadLetterConfig"]
        assert json.loads(props["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}


def test_the_outbox_hears_notices_and_digests():
    filters = TEMPLATE["Resources"]["OutboxFunction"]["Properties"]["Events"]["GroupChanges"]["Properties"]
    patterns = " ".join(f["Pattern"] for f in filters["FilterCriteria"]["Filters"])
    assert '"NOTICE#"' in patterns
    assert '"DIGEST#"' in patterns
    assert '"LINK#"' in patterns
    rule = TEMPLATE["Resources"]["EmailEventsRule"]["Properties"]["EventPattern"]
    assert set(rule["detail-type"]) == {
        "InquiryReceived",
        "GroupStageChanged",
        "GroupReassigned",
        "FollowUpDue",
        "DigestDue",
        "StatusLinkRequested",
    }
