"""Erasure (DESIGN §2b) and retention (§5): a founder's personal data goes from every group
and inquiry of their address, found by key (never a Scan); anonymous counts stay."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from local.lambda_runtime import invoke
from shared.api import founder_tokens
from shared.storage import founders, groups, inquiries
from tests import given
from tests.conftest import sent_emails
from tests.pipeline import ADMIN, VALID_FORM, api, call_api, claims_for, run_async, submit

NAME, EMAIL, PHONE = "Ana Souza", "ana.souza@example.com", "4155550142"
MEMBERS = ("Bo Chen", "bo.chen@example.net")


def now() -> datetime:
    return datetime.now(UTC)


def founder_api(aws, method, path, token, body=None):
    return call_api(aws, "FounderFunction", method, path, body=body, headers={"authorization": f"Bearer {token}"})


def every_item(aws) -> list[dict]:
    """Every item of every table of the stack (the test may Scan; the code never does)."""
    dynamodb = aws.client("dynamodb")
    items = []
    for table in ("GroupsTable", "IdempotencyTable"):
        pages = dynamodb.get_paginator("scan").paginate(TableName=aws.name(table))
        items += [item for page in pages for item in page["Items"]]
    return items


def every_queued_message(aws) -> list[str]:
    sqs = aws.client("sqs")
    bodies = []
    for queue in ("EmailQueue", "EmailDLQ", "OutboxDLQ", "ScheduledRunsDLQ"):
        url = aws.name(queue)
        for _ in range(5):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
            bodies += [m["Body"] for m in got]
            if not got:
                break
    return bodies


def hits(text: str) -> list[str]:
    text = text.casefold().replace("\u2060", "")
    digits = re.sub(r"\D", "", text)
    found = [w for w in (NAME.casefold(), EMAIL, *(m.casefold() for m in MEMBERS)) if w in text]
    return found + ([PHONE] if PHONE in digits else [])


@pytest.fixture
def founder_with_history(aws, built_once):
    """An address with an older closed group and an open one: members (by the founder and
    an organizer), activities with notes, a repeat inquiry, a link asked for, emails sent.
    Built once per worker (`built_once`), all its emails delivered inside the build."""

    def build(stack):
        old = given.new_group(stack, EMAIL)
        given.close(old, "not_a_fit")
        submit(stack, {**VALID_FORM, "email": EMAIL, "message": "Trying again, Ana Souza here"})
        group_id = given.open_group_of(EMAIL)
        submit(stack, {**VALID_FORM, "email": EMAIL, "message": "Any news? 415-555-0142"})  # a repeat
        token = founder_tokens.issue(group_id, now())
        founder_api(stack, "POST", "/status/members", token, {"name": MEMBERS[0], "email": MEMBERS[1], "role": "core"})
        api(stack, "POST", f"/groups/{group_id}/members", ADMIN, {"name": "Cy Diaz", "role": "member"})
        api(stack, "POST", f"/groups/{group_id}/activities", ADMIN,
            {"kind": "conversation", "date": given.day(0), "notes": "Called Ana Souza at 415 555 0142"})  # fmt: skip
        api(stack, "POST", f"/groups/{group_id}/stage", ADMIN, {"to": "organize_core", "note": "Ana Souza is ready"})
        founder_api(
            stack, "POST", "/status/activities", token, {"kind": "meeting", "date": given.day(0), "notes": "At Ana's"}
        )
        founder_api(stack, "POST", "/status/link", token, {"email": EMAIL})
        run_async(stack)
        return old, group_id, token

    old, group_id, token = built_once("erasure:founder_with_history", build)
    assert any(EMAIL in e.to for e in sent_emails())
    return old, group_id, token


def test_erasure_leaves_no_trace_of_the_founder_in_any_table_queue_or_log(aws, founder_with_history, capsys, caplog):
    old, group_id, token = founder_with_history
    before = every_item(aws)
    assert hits(json.dumps(before))  # the search finds what is there

    erased = founder_api(aws, "DELETE", "/status", token)
    run_async(aws)
    queued = every_queued_message(aws)
    after = every_item(aws)
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text

    assert erased.status == 204
    assert hits(json.dumps(after)) == []
    assert hits(" ".join(queued)) == []
    assert hits(logs) == []
    kinds_before = Counter(i.get("kind", {}).get("S", "idempotency") for i in before)
    kinds_after = Counter(i.get("kind", {}).get("S", "idempotency") for i in after)
    # What stays: both groups, their members (nameless), activities, history; what goes:
    # the inquiries and the address's partition (lock and index).
    assert kinds_after["group"] == kinds_before["group"] == 2
    assert kinds_after["member"] == kinds_before["member"]
    assert kinds_after["activity"] == kinds_before["activity"]
    assert kinds_after["history"] == kinds_before["history"] + 1  # the erasure closed the open group
    assert kinds_after["inquiry"] == 0
    assert kinds_after["applicant"] == kinds_after["founder_group"] == 0
    for gid in (old, group_id):
        group = groups.get_group_item(gid)
        assert group.stage == "closed"
        assert group.erased_at
        assert (group.state, group.city) == ("CA", "San Francisco")  # anonymous counts stay
    assert groups.get_group_item(group_id).inquiries_erased == 2
    assert founder_api(aws, "GET", "/status", token).status == 401  # the link stops working


def test_after_erasure_no_email_goes_to_the_founder_and_organizers_cannot_reopen(aws, founder_with_history):
    _, group_id, token = founder_with_history
    before = len(sent_emails())

    founder_api(aws, "DELETE", "/status", token)
    run_async(aws)
    reopen = api(aws, "POST", f"/groups/{group_id}/stage", ADMIN, {"to": "organize_core"})

    assert [e for e in sent_emails()[before:] if EMAIL in [a.casefold() for a in e.to]] == []
    assert reopen.status == 409


def test_an_admin_erases_by_address_and_only_an_admin(aws, founder_with_history, directory):
    coordinator = claims_for("area_coordinators", directory.get("ac-ca-north").email)

    refused = call_api(aws, "FounderFunction", "POST", "/erasures", body={"email": EMAIL}, claims=coordinator)
    unread = call_api(
        aws, "FounderFunction", "POST", "/erasures", raw_body="{not json", claims=coordinator,
        headers={"content-type": "text/plain"},
    )  # fmt: skip
    anonymous = call_api(aws, "FounderFunction", "POST", "/erasures", body={"email": EMAIL})
    done = call_api(aws, "FounderFunction", "POST", "/erasures", body={"email": "Ana.Souza@EXAMPLE.com"}, claims=ADMIN)
    again = call_api(aws, "FounderFunction", "POST", "/erasures", body={"email": EMAIL}, claims=ADMIN)

    assert refused.status == 403
    assert unread.status == 403  # the role is checked before the body is read
    assert anonymous.status == 401
    assert (done.status, done.body) == (200, {"groups": 2})
    assert (again.status, again.body) == (200, {"groups": 0})
    assert hits(json.dumps(every_item(aws))) == []


def test_a_group_closed_12_months_ago_is_erased_by_the_daily_run_through_the_due_index(aws, directory):
    group_id = given.new_group(aws, EMAIL)
    other = given.new_group(aws, "still.open@example.com")
    given.close(group_id, "not_a_fit")

    def run(days: float) -> dict:
        return invoke(aws, "FollowUpsFunction", {"time": (now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")})

    early = run(364)
    assert groups.get_group_item(group_id).erased_at is None
    due = run(366)

    assert "erase_personal_data" not in early["taken"]
    assert due["taken"].get("erase_personal_data") == 1
    group = groups.get_group_item(group_id)
    assert (group.founder_name, group.founder_email, group.founder_phone) == (founders.ERASED, "", None)
    assert group.due_sk is None  # nothing more is due for it
    assert founders.inquiries_of(group_id) == []
    assert founders.group_ids_of(EMAIL) == []
    assert groups.get_group_item(other).founder_email == "still.open@example.com"  # open groups are kept
    assert run(367)["taken"].get("erase_personal_data") is None  # once


def test_the_retention_is_configurable(aws, directory):
    from shared import settings

    aws.resolver.parameters["FollowUpOverrides"] = json.dumps({"retention_days": 30})
    settings.reset()
    group_id = given.new_group(aws, EMAIL)
    given.close(group_id, "not_a_fit")

    report = invoke(aws, "FollowUpsFunction", {"time": (now() + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")})

    assert report["taken"].get("erase_personal_data") == 1
    assert groups.get_group_item(group_id).erased_at


def test_a_chartered_group_stays_open_without_its_founder_and_keeps_its_members(aws, group_at_stage):
    group_id = group_at_stage("develop_plan")  # founded by EMAIL, the default form's address
    members = [m["name"] for m in api(aws, "GET", f"/groups/{group_id}", ADMIN).body["members"]]

    done = call_api(aws, "FounderFunction", "POST", "/erasures", body={"email": EMAIL}, claims=ADMIN)
    view = api(aws, "GET", f"/groups/{group_id}", ADMIN).body
    added = api(aws, "POST", f"/groups/{group_id}/members", ADMIN, {"name": "New Member", "role": "member"})

    assert done.body == {"groups": 1}
    assert (view["stage"], view["group_number"]) == ("develop_plan", 1)
    assert view["founder"] == {"name": founders.ERASED, "email": "", "phone": None}
    assert [m["name"] for m in view["members"]] == members  # their data is theirs
    assert added.status == 201  # organizers work on with the group
    assert inquiries.find_open_group_id(EMAIL) is None  # nothing finds it by the address


class Interrupted(Exception):
    pass


@pytest.mark.parametrize(
    "step",
    ["release_lock_if_held", "delete_inquiries", "erase_activity_notes", "erase_history_note", "erase_member",
     "erase_founder", "forget_group_of_address"],
)  # fmt: skip
def test_an_interrupted_erasure_is_finished_when_run_again(aws, founder_with_history, monkeypatch, step):
    from shared.usecases.erasure import erase_address

    real = getattr(founders, step)
    failed = []

    def once(*args, **kwargs):
        if not failed:
            failed.append(step)
            raise Interrupted(step)
        return real(*args, **kwargs)

    monkeypatch.setattr(founders, step, once)
    with pytest.raises(Interrupted):
        erase_address(EMAIL, now(), by="founder")
    erase_address(EMAIL, now(), by="founder")

    after = every_item(aws)
    kinds = Counter(i.get("kind", {}).get("S", "idempotency") for i in after)
    assert failed == [step]
    assert hits(json.dumps(after)) == []
    assert [m for m in ("Any news", "Trying again") if m in json.dumps(after)] == []
    assert (kinds["inquiry"], kinds["applicant"], kinds["founder_group"]) == (0, 0, 0)
    assert inquiries.find_open_group_id(EMAIL) is None  # the lock is released
    assert all(groups.get_group_item(gid).stage == "closed" for gid in founder_with_history[:2])
