"""What template.yaml promises about sign-in and the organizer API, checked on the
template itself (cfn-lint does not know our rules), and every organizer route refusing
a request without a token."""

from __future__ import annotations

import pytest

from local.template import load, resources_of_type
from tests.pipeline import call_api

PUBLIC = {("POST", "/inquiries"), ("GET", "/organizers")}


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
    assert client["ExplicitAuthFlows"] == [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
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

    assert opted_out == PUBLIC
    assert overridden == PUBLIC


def test_every_function_has_a_log_group_with_retention():
    resources = load()["Resources"]
    log_groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"].get("RetentionInDays")
        for r in resources_of_type(load(), "AWS::Logs::LogGroup").values()
    }

    for logical in resources_of_type(load(), "AWS::Serverless::Function"):
        assert log_groups.get(f"/aws/lambda/${{{logical}}}") == {"Ref": "LogRetentionDays"}, logical
    assert "GroupsFunction" in resources
    assert "ReportsFunction" in resources


@pytest.mark.parametrize(
    ("function", "method", "path"), ORGANIZER_ROUTES, ids=[f"{m} {p}" for _, m, p in ORGANIZER_ROUTES]
)
def test_every_organizer_route_is_served_and_refuses_a_request_without_a_token(aws, function, method, path):
    concrete = path.replace("{group_id}", "00000000-0000-0000-0000-000000000000")
    body = {} if method in ("POST", "PUT") else None

    response = call_api(aws, function, method, concrete, body=body, route_key=f"{method} {path}")

    assert response.status == 401
    assert response.headers["Content-Type"] == "application/problem+json"
