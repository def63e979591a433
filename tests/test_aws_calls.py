"""How many DynamoDB calls a stage move costs, counted at pynamodb's one dispatch point
(every table access of the domain goes through it). Upper bounds, so a change that adds a
round trip to the hot path has to say so here."""

from __future__ import annotations

from collections import Counter

import pytest
from pynamodb.connection import base

from shared.api import auth
from tests import given
from tests.pipeline import ADMIN, api, organizer_claims


@pytest.fixture
def dynamodb_calls(monkeypatch):
    calls: Counter[str] = Counter()
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(base.Connection, "_make_api_call", counting)
    return calls


def test_a_move_by_an_organizer_is_one_query_and_one_transaction_when_warm(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    claims = organizer_claims(directory, "ac-ca-north")
    api(aws, "GET", f"/groups/{gid}", claims)  # warms the directory cache
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", claims, {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"Query": 1, "TransactWriteItems": 1}


def test_a_cold_move_also_reads_the_directory_once(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    given.meet_gate(gid, "learn_more")
    auth.clear_cache()
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", organizer_claims(directory, "ac-ca-north"), {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"Query": 2, "TransactWriteItems": 1}


def test_a_charter_adds_one_read_of_the_counter(aws, directory, dynamodb_calls):
    gid = given.group_at(aws, "get_chartered")
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "develop_plan", "case_id": "C-1"})

    # An admin's request also reads their entry in the directory of admins (one GetItem).
    assert dict(dynamodb_calls) == {"Query": 1, "GetItem": 2, "TransactWriteItems": 1}


def test_a_move_refused_by_its_gate_writes_nothing(aws, directory, dynamodb_calls):
    gid = given.new_group(aws)
    dynamodb_calls.clear()

    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core"})

    assert dict(dynamodb_calls) == {"GetItem": 1, "Query": 1}  # the admin check and the group


def test_a_batch_of_emails_reads_the_directory_once(aws, directory, monkeypatch):
    from local import drivers
    from local.sent_mail import sent_emails
    from tests.pipeline import VALID_FORM, submit

    for n in range(3):  # three forms: their InquiryReceived reach the email queue together
        submit(aws, {**VALID_FORM, "email": f"batch.{n}@example.net"})
    pumps = drivers.pumps(aws)
    email_queue = next(p for p in pumps if p.function == "EmailSenderFunction")
    drivers.drain([p for p in pumps if p is not email_queue])
    batch = email_queue.receive()
    directory_reads = []
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        values = operation_kwargs.get("ExpressionAttributeValues") or {}
        if operation_name == "Query" and {"S": "DIRECTORY"} in values.values():
            directory_reads.append(operation_kwargs)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(base.Connection, "_make_api_call", counting)

    email_queue.deliver(batch)

    assert len(batch) == 3
    assert len(sent_emails()) == 6  # each inquiry: the organizer's and the founder's
    assert len(directory_reads) == 1


def test_a_new_inquirys_emails_read_the_group_its_inquiry_and_the_suppression_list_once(aws, directory, dynamodb_calls):
    from local import drivers
    from tests.pipeline import VALID_FORM, submit

    submit(aws, {**VALID_FORM, "email": "counted@example.net"})
    pumps = drivers.pumps(aws)
    email_queue = next(p for p in pumps if p.function == "EmailSenderFunction")
    drivers.drain([p for p in pumps if p is not email_queue])
    dynamodb_calls.clear()

    assert email_queue.pump() == 1

    # the group, its inquiry and the directory; the suppression list for both recipients;
    # the inquiry marked as emailed (each email's idempotency record goes through boto3, not
    # pynamodb: not counted here)
    assert dict(dynamodb_calls) == {"GetItem": 1, "Query": 2, "BatchGetItem": 1, "TransactWriteItems": 1}


# --- least privilege: each function's role grants exactly what its code paths use -------
#
# The tour below runs every function of template.yaml through its code paths (new, repeated
# and rate-limited forms; every organizer route including a charter, a close and a reopen;
# the stream, the email queue with a failed send, the scheduled runs, the SES events) while
# tests/iam.py records the AWS calls each handler makes. Each call is the IAM permission it
# needs; the function's role must grant every one (nothing used that is not granted), and
# every (action, resource) of every statement must be used by one (nothing granted unused).

import fnmatch  # noqa: E402
import json as _json  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from local.lambda_runtime import invoke  # noqa: E402
from local.template import load, resources_of_type  # noqa: E402
from tests import iam  # noqa: E402
from tests.pipeline import VALID_FORM, call_api, post_form, run_async, submit  # noqa: E402

_TOUR: dict[str, list[iam.Need]] = {}


def _at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tour(stack, directory, monkeypatch) -> dict[str, list[iam.Need]]:
    from botocore.exceptions import ClientError

    from local.event_shapes import eventbridge_event
    from shared.api import founder_tokens
    from shared.mail import sender
    from shared.parsing.ses_feedback import ses_event_detail
    from shared.storage.directory import mark_undeliverable

    with iam.recording(monkeypatch) as rec:
        # The public side: a new form, the same form again, a repeat, the rate limit.
        submit(stack)
        submit(stack)
        submit(stack, {**VALID_FORM, "message": "A second message."})
        for _ in range(21):
            submit(stack, {**VALID_FORM, "email": "other@example.net"}, source_ip="198.51.100.9")
        invoke(stack, "OrganizersFunction", _sample("organizers_list.json"))
        # An email that fails once (its idempotency record is deleted), then everything else.
        real_send, failed = sender._send, []

        def flaky(message, ses):
            if not failed:
                failed.append(message["key"])
                raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")
            return real_send(message, ses)

        monkeypatch.setattr(sender, "_send", flaky)
        founder_tokens.clear_cache()  # each function fetches the keys (its own process in AWS)
        run_async(stack)
        # The same event delivered twice: the second finds the emails' records and sends nothing.
        repeat = submit(stack, {**VALID_FORM, "email": "twice@example.net"}).body
        detail = {"group_id": given.open_group_of("twice@example.net"), "inquiry_id": repeat["inquiry_id"],
                  "state": "CA", "organizer_id": "ac-ca-north", "duplicate": False}  # fmt: skip
        envelope = eventbridge_event("InquiryReceived", detail)
        for _ in range(2):
            stack.client("sqs").send_message(QueueUrl=stack.name("EmailQueue"), MessageBody=_json.dumps(envelope))
        run_async(stack)
        # The organizer API: lists, reads, writes, a charter, a close and a reopen.
        gid = given.new_group(stack, "tour@example.net")
        api(stack, "GET", "/groups", ADMIN, query={"state": "CA"})
        api(stack, "GET", "/groups", ADMIN, query={"stage": "learn_more"})
        api(stack, "GET", f"/groups/{gid}", ADMIN)
        api(stack, "POST", f"/groups/{gid}/activities", ADMIN, {"kind": "conversation", "date": given.day(0)})
        api(stack, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core"})
        member = {"name": "Core One", "email": "c1@example.net", "role": "core"}
        added = api(stack, "POST", f"/groups/{gid}/members", ADMIN, member).body["member"]
        # The console's corrections, removals and reassignment.
        extra = {"name": "Core Two", "role": "member"}
        second = api(stack, "POST", f"/groups/{gid}/members", ADMIN, extra).body["member"]
        api(stack, "PATCH", f"/groups/{gid}/members/{added['member_id']}", ADMIN, {"name": "Core Uno"})
        api(stack, "DELETE", f"/groups/{gid}/members/{second['member_id']}", ADMIN)
        talk = {"kind": "conversation", "date": given.day(-1)}
        activity = api(stack, "POST", f"/groups/{gid}/activities", ADMIN, talk).body["activity"]
        api(stack, "PATCH", f"/groups/{gid}/activities/{activity['activity_id']}", ADMIN, {"date": given.day(-2)})
        api(stack, "DELETE", f"/groups/{gid}/activities/{activity['activity_id']}", ADMIN)
        api(stack, "PUT", f"/groups/{gid}/organizer", ADMIN, {"organizer_id": "ac-ca-south"})
        chartered = given.group_at(stack, "get_chartered", email="charter@example.net", city="Oakland", zip="94612")
        api(stack, "POST", f"/groups/{chartered}/stage", ADMIN, {"to": "develop_plan", "case_id": "C-1"})
        api(stack, "PUT", f"/groups/{chartered}/plan", ADMIN, given.PLAN)
        # The public side of chartered groups: the nearby list, and a request to join one
        # (the bands of a search are queried from a thread pool, in the request's context).
        call_api(stack, "NearbyFunction", "GET", "/groups/nearby", query={"zip": "94612", "radius_mi": "25"})
        # A group page's neighbours: chartered ones (Nearby), forming ones of its state (ByState).
        assert api(stack, "GET", f"/groups/{gid}/nearby", ADMIN).body["chartered"]
        number = api(stack, "GET", f"/groups/{chartered}", ADMIN).body["group_number"]
        joiner = {**VALID_FORM, "email": "rosa@example.net", "city": "Berkeley", "zip": "94704"}
        submit(stack, {**joiner, "join_group": number})
        api(stack, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "closed", "reason": "other"})
        api(stack, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "organize_core"})
        api(stack, "GET", "/reports/pipeline", ADMIN)
        api(stack, "GET", "/reports/pipeline", ADMIN, query={"format": "csv"})
        api(stack, "GET", "/reports/groups.csv", ADMIN)
        # Where staff MFA is required (in AWS), an admin's first request asks Cognito about it.
        staff = _staff_with_totp(stack)
        stack.resolver.parameters["RequireStaffMfa"] = "true"
        auth.clear_cache()
        api(stack, "GET", "/reports/pipeline", {**ADMIN, "cognito:username": staff})
        auth.clear_cache()  # one process here; two functions (two processes) in AWS
        api(stack, "GET", f"/groups/{gid}", {**ADMIN, "cognito:username": staff})
        auth.clear_cache()
        erase = {"email": "erased@example.net"}
        call_api(stack, "FounderFunction", "POST", "/erasures", body=erase, claims={**ADMIN, "cognito:username": staff})
        stack.resolver.parameters["RequireStaffMfa"] = "false"
        auth.clear_cache()  # an organizer's first call reads the directory
        api(stack, "GET", "/reports/pipeline", organizer_claims(directory, "fo-west"))
        auth.clear_cache()
        api(stack, "GET", "/groups", organizer_claims(directory, "ac-ca-north"), query={"organizer": "me"})
        run_async(stack)
        # The founder's page: every route, with the link from the acknowledgement email.
        _founder_tour(stack)
        # An inquiry whose emails have not gone out when the daily run comes: sent again.
        submit(stack, {**VALID_FORM, "email": "unsent@example.net"})
        invoke(stack, "FollowUpsFunction", {"time": _at(2 / 24)})
        run_async(stack)
        # The scheduled runs: reminders, escalations, stale closes, retention; the weekly digest.
        for days in (4, 8, 61, 400):
            invoke(stack, "FollowUpsFunction", {"time": _at(days)})
            run_async(stack)
        invoke(stack, "WeeklyDigestFunction", {"time": _at(0)})
        run_async(stack)
        # SES reports: a founder's complaint, an organizer's hard bounce (an open inquiry moves).
        submit(stack, {**VALID_FORM, "email": "late@example.net"})
        run_async(stack)
        for kind, address in (("complaint", "charter@example.net"), ("bounce", "diego.varga@example.org")):
            envelope = eventbridge_event("Email Bounced", ses_event_detail(kind, address), source="aws.ses")
            stack.client("sqs").send_message(QueueUrl=stack.name("SesEventsQueue"), MessageBody=_json.dumps(envelope))
            run_async(stack)
        # A form answered while its organizer was reachable and stored after they were not:
        # the intake queue's consumer routes it again from the whole directory.
        texan = {"email": "rerouted@example.net", "city": "Austin", "state": "TX", "zip": "78701"}
        post_form(stack, {**VALID_FORM, **texan})
        mark_undeliverable("ac-tx-south")
        run_async(stack)
    arns = iam.arn_index(stack)
    needs: dict[str, list[iam.Need]] = {}
    for function, service, op, params in rec.calls:
        needs.setdefault(function, []).extend(iam.needs_of_call(service, op, params, arns))
    return needs


def _founder_tour(stack) -> None:
    from shared.api import founder_tokens

    founder = "founder.tour@example.net"
    submit(stack, {**VALID_FORM, "email": founder})
    run_async(stack)
    group_id = given.open_group_of(founder)
    token = founder_tokens.issue(group_id, datetime.now(UTC))
    unsubscribe = founder_tokens.issue(group_id, datetime.now(UTC), founder_tokens.UNSUBSCRIBE)
    founder_tokens.clear_cache()  # the founder function fetches the keys itself

    def call(method: str, path: str, body=None, **kw):
        headers = {"authorization": f"Bearer {token}"}
        return call_api(stack, "FounderFunction", method, path, body=body, headers=headers, **kw)

    call("GET", "/status")
    call("POST", "/status/link", {"email": founder})
    call("POST", "/status/link", {"email": "nobody@example.net"})
    call("POST", "/status/members", {"name": "Bo Chen", "email": "bo.chen@example.net", "role": "core"})
    call("POST", "/status/activities", {"kind": "meeting", "date": given.day(0)})
    call("PATCH", "/status/contact", {"city": "Oakland"})
    call("POST", "/status/unsubscribe")
    call_api(
        stack, "FounderFunction", "POST", f"/status/unsubscribe/{unsubscribe}", raw_body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
        route_key="POST /status/unsubscribe/{token}", path_parameters={"token": unsubscribe},
    )  # fmt: skip
    run_async(stack)
    call("POST", "/status/withdraw", {"note": "Moving"})
    run_async(stack)
    # A second founder erases their own data.
    submit(stack, {**VALID_FORM, "email": "erase.me@example.net"})
    run_async(stack)
    token = founder_tokens.issue(given.open_group_of("erase.me@example.net"), datetime.now(UTC))
    call("DELETE", "/status")
    run_async(stack)


def _staff_with_totp(stack) -> str:
    """A Cognito user with an authenticator app set up (set in moto's backend directly)."""
    from moto.cognitoidp.models import cognitoidp_backends

    pool_id = stack.name("OrganizerUserPool")
    cognito = stack.client("cognito-idp")
    username = cognito.admin_create_user(UserPoolId=pool_id, Username="admin@example.org")["User"]["Username"]
    cognitoidp_backends["123456789012"]["us-east-1"].admin_get_user(pool_id, username).software_token_mfa_enabled = True
    return username


def _sample(name: str) -> dict:
    from tests.conftest import sample_event

    return sample_event(name)


@pytest.fixture
def tour(aws, directory, monkeypatch):
    if not _TOUR:
        _TOUR.update(_tour(aws, directory, monkeypatch))
    return _TOUR


FUNCTION_IDS = sorted(resources_of_type(load(), "AWS::Serverless::Function"))


def _needs(stack, tour, logical) -> list[iam.Need]:
    return sorted(set(tour.get(logical, [])) | set(iam.platform_needs(stack, logical)), key=repr)


@pytest.mark.parametrize("logical", FUNCTION_IDS)
def test_every_call_a_function_makes_is_granted_by_its_role(aws, tour, logical):
    statements = iam.role_statements(aws, logical)

    refused = [n for n in _needs(aws, tour, logical) if not any(iam.grants(s, n) for s in statements)]

    assert refused == [], "\n".join(f"{n.action} {n.resource} {n.context} ({n.why})" for n in refused)


@pytest.mark.parametrize("logical", FUNCTION_IDS)
def test_every_grant_of_a_function_is_used_by_its_code_or_by_lambda(aws, tour, logical):
    needs = _needs(aws, tour, logical)
    assert tour.get(logical), "the tour never ran this function"
    unused = []
    for statement in iam.role_statements(aws, logical):
        used = {iam.grants(statement, n) for n in needs} - {None}
        unused += [
            f"{statement['Sid']}: {action} on {resource}"
            for action in iam._listed(statement["Action"])
            for resource in iam._listed(statement["Resource"])
            if (action, resource) not in used
        ]
        # Each partition a statement names is one its calls touch.
        for tests in (statement.get("Condition") or {}).values():
            for pattern in tests.get("dynamodb:LeadingKeys", []):
                touched = [v for n in needs if iam.grants(statement, n) for v in n.values("dynamodb:LeadingKeys") or ()]
                if not any(fnmatch.fnmatchcase(v, pattern) for v in touched):
                    unused.append(f"{statement['Sid']}: LeadingKeys {pattern}")
    assert unused == [], "\n".join(unused)
