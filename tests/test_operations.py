"""Operations (docs/operations.md): what pages a person, what is logged, what is cached."""

from __future__ import annotations

import json
import logging

import pytest

from local.template import load, resources_of_type
from tests import given
from tests.pipeline import ADMIN, api, call_api, organizer_claims

TEMPLATE = load()
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")


def alarms_on(namespace: str, metric: str) -> list[dict]:
    props = [a["Properties"] for a in ALARMS.values()]
    return [p for p in props if (p.get("Namespace"), p["MetricName"]) == (namespace, metric)]


def test_every_alarm_pages_the_required_alarm_email():
    assert "Default" not in TEMPLATE["Parameters"]["AlarmEmail"]
    assert "Condition" not in RESOURCES["OperationsEmail"]
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "OperationsTopic"}] for a in ALARMS.values())


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(metric):
    watched = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms_on("AWS/Lambda", metric)}
    assert watched == set(FUNCTIONS)


def test_stream_lag_api_errors_and_429s_and_ses_reputation_are_watched():
    [lag] = alarms_on("AWS/Lambda", "IteratorAge")
    assert lag["Dimensions"][0]["Value"] == {"Ref": "OutboxFunction"}
    assert alarms_on("AWS/ApiGateway", "5xx")
    [too_many] = alarms_on("StartAGroup", "Api429")
    assert RESOURCES["Api429Metric"]["Properties"]["FilterPattern"] == "{ $.status = 429 }"
    assert too_many["Threshold"] > 0
    [bounces] = alarms_on("AWS/SES", "Reputation.BounceRate")
    [complaints] = alarms_on("AWS/SES", "Reputation.ComplaintRate")
    assert (bounces["Threshold"], complaints["Threshold"]) == (0.05, 0.001)
    assert RESOURCES["EmailConfigurationSet"]["Properties"]["ReputationOptions"]["ReputationMetricsEnabled"] is True


def test_the_api_access_log_has_no_body_query_or_token_and_masks_addresses():
    api_props = RESOURCES["HttpApi"]["Properties"]
    log_format = api_props["AccessLogSettings"]["Format"]
    assert json.loads(log_format)["status"] == "$context.status"
    for private in ("requestBody", "querystring", "authorization", "authorizer.claims"):
        assert private.lower() not in log_format.lower()
    policy = RESOURCES["ApiAccessLogGroup"]["Properties"]["DataProtectionPolicy"]
    assert any("Deidentify" in st["Operation"] for st in policy["Statement"])


def test_the_public_form_and_the_organizer_api_have_their_own_throttles():
    settings = RESOURCES["HttpApi"]["Properties"]["RouteSettings"]
    routes = {
        f"{e['Properties']['Method']} {e['Properties']['Path']}"
        for f in FUNCTIONS.values()
        for e in (f["Properties"].get("Events") or {}).values()
        if e["Type"] == "HttpApi"
    }
    assert set(settings) == routes  # every route has its own budget
    assert all(s["ThrottlingRateLimit"] > 0 and s["ThrottlingBurstLimit"] > 0 for s in settings.values())


def test_the_site_distribution_has_the_waf_rate_rules_where_cloudfront_acls_exist():
    acl = RESOURCES["SiteWebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert any("RateBasedStatement" in r["Statement"] for r in acl["Rules"])
    # A CloudFront ACL exists only in us-east-1: elsewhere neither the ACL nor the attachment.
    assert RESOURCES["SiteWebAcl"]["Condition"] == "InUsEast1"
    web_acl = RESOURCES["SiteDistribution"]["Properties"]["DistributionConfig"]["WebACLId"]
    assert web_acl == {"Fn::If": ["InUsEast1", {"Fn::GetAtt": ["SiteWebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]}


# --- what answers and logs carry ------------------------------------------------------


def test_answers_with_personal_data_are_not_stored_by_browsers_or_proxies(aws, directory):
    gid = given.new_group(aws)

    one = api(aws, "GET", f"/groups/{gid}", ADMIN)
    listed = api(aws, "GET", "/groups", ADMIN, query={"state": "CA"})
    refused = api(aws, "GET", "/groups/nope", ADMIN)

    assert one.headers["Cache-Control"] == listed.headers["Cache-Control"] == "no-store"
    assert refused.status == 404
    assert refused.headers["Cache-Control"] == "no-store"


def test_the_public_directory_may_still_be_cached(aws, directory):
    response = call_api(aws, "OrganizersFunction", "GET", "/organizers")
    assert response.headers["Cache-Control"].startswith("public")


def test_reading_founder_data_is_logged_with_who_and_which_group_and_no_content(aws, directory, caplog):
    gid = given.new_group(aws)
    caplog.set_level(logging.INFO, logger="start-a-group.audit")

    api(aws, "GET", f"/groups/{gid}", organizer_claims(directory, "ac-ca-north"))
    api(aws, "GET", "/groups", ADMIN, query={"state": "CA"})

    reads = [r for r in caplog.records if getattr(r, "audit", None) == "founder_read"]
    assert [(r.reader, r.read, r.group_ids) for r in reads] == [
        ("ac-ca-north", "group", [gid]),
        ("admin:admin-sub", "group_list", [gid]),
    ]
    logged = json.dumps([vars(r) for r in reads], default=str).lower()
    for private in ("ana", "souza", "5550142", "example.com"):  # not "555": a uuid may hold it
        assert private not in logged
