"""The deployed site (template.yaml + `make deploy`): one CloudFront origin for the form, the
organizer console and the API; a private bucket; strict security headers; Cognito's managed
login with PKCE for the console, and never the local stack's sign-in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import boto3
import pytest
from moto import mock_aws

from local.template import ROOT, load, resources_of_type
from scripts import publish_site

TEMPLATE_TEXT = (ROOT / "template.yaml").read_text()
TEMPLATE = load()
RESOURCES = TEMPLATE["Resources"]


def distribution() -> dict:
    return RESOURCES["SiteDistribution"]["Properties"]["DistributionConfig"]


def run_cloudfront_function(logical_id: str, event: dict) -> dict:
    """The function's code run by node, as CloudFront runs it: handler(event) → request."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: run `make install`")
    code = RESOURCES[logical_id]["Properties"]["FunctionCode"]
    script = code + f"\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    return json.loads(
        subprocess.run(  # noqa: S603 - node on our own code
            [node, "-e", script], capture_output=True, text=True, check=True
        ).stdout
    )


# --- no local sign-in in AWS ------------------------------------------------------------


def test_the_deployed_template_has_no_local_sign_in():
    # Given: the template that `sam deploy` ships
    routes = [
        source["Properties"]["Path"]
        for function in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
        for source in (function["Properties"].get("Events") or {}).values()
        if source["Type"] == "HttpApi"
    ]
    code = [
        f["Properties"].get("CodeUri", "") for f in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
    ]

    # Then: no /_local route, no code from local/, no user of its own, no password sign-in for the console
    assert routes
    assert not [r for r in routes if r.startswith("/_local")]
    assert not [c for c in code if str(c).startswith("local")]
    assert "_local" not in TEMPLATE_TEXT
    assert "demo_accounts" not in TEMPLATE_TEXT
    assert not resources_of_type(TEMPLATE, "AWS::Cognito::UserPoolUser", "AWS::Cognito::UserPoolUserToGroupAttachment")
    client = RESOURCES["OrganizerUserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a public client: the browser holds no secret
    assert client["AllowedOAuthFlows"] == ["code"]  # never the implicit flow
    assert client["CallbackURLs"] == [{"Fn::Sub": "${OrganizerAppUrl}callback"}]
    assert RESOURCES["OrganizerSignInDomain"]["Properties"]["UserPoolId"] == {"Ref": "OrganizerUserPool"}


def test_the_console_finds_the_local_sign_in_only_where_no_config_says_cognito():
    # The console uses /_local/login only when organizers/config.json (written by `make deploy`)
    # is absent; the published config always names Cognito.
    config = json.loads(
        publish_site.console_config(
            {"SignInUrl": "https://x.auth.us-east-1.amazoncognito.com", "OrganizerUserPoolClientId": "abc"}
        )
    )
    assert config == {"auth": "cognito", "domain": "https://x.auth.us-east-1.amazoncognito.com", "client_id": "abc"}
    assert "organizers/config.json" not in publish_site.shipped_files()  # never a local copy shipped


# --- one origin, private bucket, strict headers ------------------------------------------


def test_the_bucket_is_private_and_read_only_by_the_distribution():
    bucket = RESOURCES["SiteBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    [read, tls] = RESOURCES["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    assert "${SiteDistribution}" in read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert tls["Effect"] == "Deny"
    [site] = [o for o in distribution()["Origins"] if o["Id"] == "site"]
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert (
        RESOURCES["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    )


def test_the_api_is_behind_the_same_distribution_uncached_with_its_headers():
    [api] = [b for b in distribution()["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    [origin] = [o for o in distribution()["Origins"] if o["Id"] == api["TargetOriginId"]]
    assert "${HttpApi}.execute-api" in origin["DomainName"]["Fn::Sub"]
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert (
        api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    )  # all but Host: Authorization, If-Match
    assert {"PATCH", "DELETE", "PUT", "POST"} <= set(api["AllowedMethods"])


def test_every_shipped_page_calls_the_api_under_the_path_the_distribution_sends_to_it():
    # Given: every page in web/ and the distribution's behaviours
    pages = sorted((ROOT / "web").rglob("*.html"))
    pages = [p for p in pages if "node_modules" not in p.parts]
    # Then: each page's api-base is /api (the local server rewrites it to ""), and /api/* is the API's
    bases = {
        str(p.relative_to(ROOT)): re.findall(r'<meta name="api-base" content="([^"]*)"', p.read_text()) for p in pages
    }
    assert {page: base for page, base in bases.items() if base} == {
        page: ["/api"] for page, base in bases.items() if base
    }
    assert {"web/index.html", "web/status/index.html", "web/organizers/index.html"} <= {
        p for p, b in bases.items() if b
    }
    [api] = [b for b in distribution()["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["TargetOriginId"] == "api"


def test_the_api_origin_carries_a_generated_secret_that_the_rate_limited_functions_check():
    [origin] = [o for o in distribution()["Origins"] if o["Id"] == "api"]
    [custom] = origin["OriginCustomHeaders"]
    reference = {"Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}}}"}
    assert (custom["HeaderName"], custom["HeaderValue"]) == ("x-origin-verify", reference)
    generated = RESOURCES["OriginVerifySecret"]["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32
    for function in ("IntakeFunction", "FounderFunction"):  # the ones that use source_ip
        assert RESOURCES[function]["Properties"]["Environment"]["Variables"]["ORIGIN_VERIFY_SECRET"] == reference


@pytest.mark.parametrize(
    ("uri", "origin_uri"),
    [("/api/groups", "/groups"), ("/api/groups/g-1/stage", "/groups/g-1/stage"), ("/api", "/")],
)
def test_the_api_prefix_is_stripped_and_the_viewer_address_passed_on(uri, origin_uri):
    event = {
        "request": {"uri": uri, "headers": {"x-viewer-address": {"value": "6.6.6.6"}}},
        "viewer": {"ip": "203.0.113.9"},
    }
    request = run_cloudfront_function("ApiPathFunction", event)
    assert request["uri"] == origin_uri
    assert request["headers"]["x-viewer-address"] == {"value": "203.0.113.9"}  # never the client's own claim


@pytest.mark.parametrize(
    ("uri", "file"),
    [
        ("/", "/index.html"),
        ("/organizers/", "/organizers/index.html"),
        ("/organizers", "/organizers/index.html"),
        ("/organizers/groups/g-123", "/organizers/index.html"),
        ("/organizers/reports", "/organizers/index.html"),
        ("/status", "/status/index.html"),
        ("/organizers/app.js", "/organizers/app.js"),
        ("/form.css", "/form.css"),
    ],
)
def test_deep_links_are_their_page_as_on_the_local_stack(uri, file):
    assert run_cloudfront_function("SitePathsFunction", {"request": {"uri": uri}})["uri"] == file


def test_every_answer_carries_a_strict_content_security_policy():
    policy = RESOURCES["SiteSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "amazoncognito.com" in directives["connect-src"]  # the console's token request
    assert "unsafe" not in csp
    assert policy["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"] == "DENY"
    assert distribution()["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": "SiteSecurityHeaders"}
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "SiteSecurityHeaders"} for b in distribution()["CacheBehaviors"])


def test_the_pages_need_nothing_the_policy_refuses():
    # No inline script or style, no style attribute, no script from elsewhere.
    for page in (ROOT / "web").rglob("*.html"):
        if "node_modules" in page.parts:
            continue
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert "<style" not in html, page
        assert " style=" not in html, page
        assert not re.search(r'(src|href)="(https?:)?//', html), page


# --- make deploy publishes web/ ----------------------------------------------------------

STACK_TEMPLATE = {
    "Parameters": {"PublicSiteUrl": {"Type": "String"}, "OrganizerAppUrl": {"Type": "String"}},
    "Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
}


@pytest.fixture
def deployed():
    """A stack with the site's outputs, its bucket and its distribution, in moto."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        s3 = session.client("s3")
        s3.create_bucket(Bucket="site-bucket")
        s3.put_object(Bucket="site-bucket", Key="old.js", Body=b"gone")
        dist = session.client("cloudfront").create_distribution(
            DistributionConfig={
                "CallerReference": "t",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "site",
                            "DomainName": "site-bucket.s3.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "site",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "MinTTL": 0,
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                },
            }
        )["Distribution"]
        template = {
            **STACK_TEMPLATE,
            "Outputs": {
                "SiteUrl": {"Value": f"https://{dist['DomainName']}/"},
                "SiteBucketName": {"Value": "site-bucket"},
                "SiteDistributionId": {"Value": dist["Id"]},
                "SignInUrl": {"Value": "https://prefix.auth.us-east-1.amazoncognito.com"},
                "OrganizerUserPoolClientId": {"Value": "client-123"},
            },
        }
        session.client("cloudformation").create_stack(
            StackName="sag",
            TemplateBody=json.dumps(template),
            Parameters=[
                {"ParameterKey": "PublicSiteUrl", "ParameterValue": f"https://{dist['DomainName']}/"},
                {"ParameterKey": "OrganizerAppUrl", "ParameterValue": f"https://{dist['DomainName']}/organizers/"},
            ],
        )
        yield session, dist


def test_publishing_syncs_the_shipped_files_writes_the_sign_in_config_and_invalidates(deployed):
    session, dist = deployed

    # When: web/ is published twice
    first = publish_site.publish(session, "sag")
    second = publish_site.publish(session, "sag")

    # Then: the first uploads every shipped file and deletes what is no longer shipped, the
    # second finds nothing changed; the stack already links to its own address
    s3 = session.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site-bucket")["Contents"]}
    assert {"index.html", "organizers/index.html", "organizers/app.js", *publish_site.VENDORED} <= keys
    assert not [k for k in keys if "package" in k or ("node_modules" in k and k not in publish_site.VENDORED)]
    assert first["deleted"] == ["old.js"]
    assert second["uploaded"] == []
    assert second["deleted"] == []
    assert first["repointed"] is False
    config = json.loads(s3.get_object(Bucket="site-bucket", Key="organizers/config.json")["Body"].read())
    assert config == {
        "auth": "cognito",
        "domain": "https://prefix.auth.us-east-1.amazoncognito.com",
        "client_id": "client-123",
    }
    module = s3.head_object(Bucket="site-bucket", Key="organizers/app.js")
    assert module["ContentType"].startswith("text/javascript")
    invalidations = session.client("cloudfront").list_invalidations(DistributionId=dist["Id"])["InvalidationList"]
    assert invalidations["Quantity"] == 2
