"""Joining a chartered group near you instead of starting one: the request reaches the
group's organizer, the person hears who will be in touch, the group counts the referral,
and no prospective group is created."""

from __future__ import annotations

from shared.storage import group_keys, groups, inquiries
from tests import given
from tests.conftest import sent_emails
from tests.pipeline import ADMIN, VALID_FORM, api, run_async, submit

JOINER = {
    **VALID_FORM,
    "name": "Rosa Díaz",
    "email": "rosa@example.net",
    "phone": "",
    "city": "Oakland",
    "zip": "94607",
    "message": "I would love to write letters with you.",
}


def chartered_oakland(built_once) -> tuple[str, int]:
    """A chartered group in Oakland, its emails sent (built once per worker: conftest.built_once)."""

    def build(aws) -> tuple[str, int]:
        gid = given.group_at(aws, "develop_plan", email="olu@example.com", city="Oakland", zip="94612")
        number = api(aws, "GET", f"/groups/{gid}", ADMIN).body["group_number"]
        run_async(aws)
        return gid, number

    return built_once("chartered_oakland", build)


def test_joining_a_nearby_group_reaches_its_organizer_and_creates_no_group(directory, aws, built_once):
    # given a chartered group in Oakland
    gid, number = chartered_oakland(built_once)
    before = len(sent_emails())
    # when someone in a ZIP nearby chooses to join it
    response = submit(aws, {**JOINER, "join_group": number})
    run_async(aws)
    # then the answer is the 202 of every accepted submission, naming who will be in touch
    assert response.status == 202, response.body
    assert set(response.body) == {"inquiry_id", "stage", "organizer", "hotline", "next_step"}
    organizer = directory.contact_for(api(aws, "GET", f"/groups/{gid}", ADMIN).body["organizer_id"], "CA")
    assert response.body["organizer"]["email"] == organizer.email
    assert f"local group #{number}" in response.body["next_step"]
    # and the organizer gets the join, with the person's details and language
    new = sent_emails()[before:]
    to_organizer = [m for m in new if organizer.email in m.to]
    assert len(to_organizer) == 1
    assert to_organizer[0].subject == f"Someone wants to join local group #{number} (Oakland)"
    assert "Rosa Díaz" in to_organizer[0].text
    assert "Language: English" in to_organizer[0].text
    assert to_organizer[0].reply_to == "rosa@example.net"
    # and the person hears who will be in touch
    to_joiner = [m for m in new if "rosa@example.net" in m.to]
    assert len(to_joiner) == 1
    assert organizer.name in to_joiner[0].text
    # and no group was created for them: a form with their address starts a fresh one
    assert inquiries.find_open_group_id("rosa@example.net") is None
    # and the group counts the referral
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1


def test_the_same_join_sent_twice_is_one_request(directory, aws, built_once):
    gid, number = chartered_oakland(built_once)
    first = submit(aws, {**JOINER, "join_group": number})
    again = submit(aws, {**JOINER, "join_group": number})
    # Answered alike but for a fresh inquiry_id (the request path does not look anything up).
    assert {**first.body, "inquiry_id": None} == {**again.body, "inquiry_id": None}
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1


def test_a_group_far_away_or_not_chartered_cannot_be_joined(directory, aws, built_once):
    # given a chartered group in Oakland
    _, number = chartered_oakland(built_once)
    # when someone in New York asks to join it, or names a number no group has
    far = submit(aws, {**JOINER, "zip": "10001", "state": "NY", "join_group": number})
    unknown = submit(aws, {**JOINER, "join_group": number + 1})
    # then each is a 422 on join_group
    for response in (far, unknown):
        assert response.status == 422
        assert [e["field"] for e in response.body["errors"]] == ["join_group"]


def test_a_bad_join_group_value_is_422(aws):
    for value in ("abc", -1, 0, True, 1.5):
        response = submit(aws, {**JOINER, "join_group": value})
        assert response.status == 422, value
        assert [e["field"] for e in response.body["errors"]] == ["join_group"]


def test_the_pipeline_report_counts_join_requests(directory, aws, built_once):
    _, number = chartered_oakland(built_once)
    submit(aws, {**JOINER, "join_group": number})
    report = api(aws, "GET", "/reports/pipeline", ADMIN).body
    assert report["join_requests"] == 1
    assert next(r for r in report["rows"] if r["state"] == "CA")["join_requests"] == 1


def test_erasing_an_address_erases_its_requests_to_join(directory, aws, built_once):
    # given someone who asked to join a chartered group
    gid, number = chartered_oakland(built_once)
    submit(aws, {**JOINER, "join_group": number})
    # when their address is erased (their request, or an admin's)
    from shared.domain.clock import utcnow
    from shared.storage.table import InquiryItem, Item
    from shared.usecases.erasure import erase_address

    erase_address("ROSA@example.net", utcnow(), by="admin@example.org")
    # then no item holds their details any more; the group still counts the request
    left = [i for i in InquiryItem.query(group_keys.group_pk(gid)) if i.intent == "join"]
    assert left == []
    assert list(Item.query(group_keys.applicant_pk("rosa@example.net"))) == []
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1


# --- the copy to the group's own founder (its contact) -------------------------------------

SHARED_SENTENCE = "We have also passed your name and email address (nothing else) to the person who started the group"


def founder_emails(since: int, founder: str = "olu@example.com"):
    return [m for m in sent_emails()[since:] if founder in m.to]


def test_the_groups_founder_gets_the_joiners_name_and_email_in_english(directory, aws, built_once):
    # given a chartered group in Oakland whose founder writes in English
    gid, number = chartered_oakland(built_once)
    before = len(sent_emails())
    # when someone nearby asks to join it
    submit(aws, {**JOINER, "phone": "(510) 555-0199", "join_group": number})
    run_async(aws)
    # then the founder gets one email saying so, with the person's name and email only
    [copy] = founder_emails(before)
    assert copy.subject == f"Someone would like to join local group #{number}"
    assert "Rosa Díaz found your group on the Start a Group form" in copy.text
    assert "rosa@example.net" in copy.text
    assert copy.reply_to == "rosa@example.net"
    for withheld in ("+15105550199", "(510) 555", "94607", "write letters with you"):  # phone, ZIP, message
        assert withheld not in copy.text
        assert withheld not in copy.html
    assert "List-Unsubscribe" in copy.raw  # a founder email like any other
    # and the person joining is told their name and email went to the group's founder
    [to_joiner] = [m for m in sent_emails()[before:] if "rosa@example.net" in m.to]
    assert SHARED_SENTENCE in to_joiner.text.replace("\u2060", "")


def test_the_copy_is_in_the_groups_language_and_sent_once_for_a_repeated_event(directory, aws):
    import json

    from local.event_shapes import eventbridge_event

    # given a chartered group whose founder chose Spanish, and a request in English
    gid = given.group_at(aws, "develop_plan", email="olu@example.com", city="Oakland", zip="94612", language="es")
    number = api(aws, "GET", f"/groups/{gid}", ADMIN).body["group_number"]
    run_async(aws)
    before = len(sent_emails())
    inquiry_id = submit(aws, {**JOINER, "join_group": number}).body["inquiry_id"]
    run_async(aws)
    # when the same event is delivered again (at least once)
    detail = {"group_id": gid, "inquiry_id": inquiry_id, "state": "CA", "organizer_id": None,
              "duplicate": False, "intent": "join"}  # fmt: skip
    envelope = json.dumps(eventbridge_event("InquiryReceived", detail))
    aws.client("sqs").send_message(QueueUrl=aws.name("EmailQueue"), MessageBody=envelope)
    run_async(aws)
    # then the founder got one email, in Spanish
    [copy] = founder_emails(before)
    assert copy.subject == f"Alguien quiere sumarse al grupo local n.º {number}"
    assert "quiere sumarse al grupo local" in copy.text
    assert "Rosa Díaz" in copy.text
    # and the person joining still reads their own email in their language (English)
    [to_joiner] = [m for m in sent_emails()[before:] if "rosa@example.net" in m.to]
    assert SHARED_SENTENCE in to_joiner.text.replace("\u2060", "")


def test_an_unsubscribed_founder_gets_no_copy_and_the_joiner_is_not_told_of_one(directory, aws, built_once):
    from shared.domain.clock import utcnow
    from shared.storage import founders

    gid, number = chartered_oakland(built_once)
    founders.unsubscribe(gid, utcnow())
    before = len(sent_emails())

    submit(aws, {**JOINER, "join_group": number})
    run_async(aws)

    assert founder_emails(before) == []
    [to_joiner] = [m for m in sent_emails()[before:] if "rosa@example.net" in m.to]
    assert SHARED_SENTENCE not in to_joiner.text.replace("\u2060", "")
    assert len([m for m in sent_emails()[before:] if "Someone wants to join" in m.subject]) == 1  # the organizer


def test_a_founder_who_withdrew_or_was_erased_before_the_email_went_gets_nothing(directory, aws, built_once):
    from shared.domain.clock import utcnow
    from shared.usecases import moves
    from shared.usecases.erasure import erase_address

    withdrawn, withdrawn_number = chartered_oakland(built_once)
    erased = given.group_at(aws, "develop_plan", email="eve@example.com", city="Berkeley", zip="94704")
    erased_number = api(aws, "GET", f"/groups/{erased}", ADMIN).body["group_number"]
    run_async(aws)
    before = len(sent_emails())
    # given two requests to join, stored before their emails go out
    submit(aws, {**JOINER, "join_group": withdrawn_number})
    submit(aws, {**JOINER, "email": "sol@example.net", "join_group": erased_number})
    # when one founder withdraws and the other's data is erased meanwhile
    record = groups.read_group(withdrawn)
    moves.close_as(record, "withdrawn", None, utcnow(), by="founder")
    erase_address("eve@example.com", utcnow(), by="admin@example.org")
    run_async(aws)
    # then neither founder gets the copy
    assert founder_emails(before, "olu@example.com") == []
    assert founder_emails(before, "eve@example.com") == []


# --- retention: a request to join goes after the retention period (DESIGN §5) --------------


def test_the_daily_run_deletes_requests_to_join_after_the_retention_through_the_due_index(
    directory, aws, monkeypatch, built_once
):
    from datetime import UTC, datetime, timedelta

    from pynamodb.connection import base

    from local.lambda_runtime import invoke
    from shared.storage.table import InquiryItem, Item

    # given a request to join a chartered group
    gid, number = chartered_oakland(built_once)
    submit(aws, {**JOINER, "join_group": number})
    run_async(aws)

    def daily_run(days: int) -> dict:
        when = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return invoke(aws, "FollowUpsFunction", {"time": when})

    def requests() -> list:
        return [i for i in InquiryItem.query(group_keys.group_pk(gid)) if i.intent == "join"]

    # when the daily run comes before the retention (365 days) is over, nothing goes
    assert daily_run(364)["join_requests_erased"] == 0
    assert len(requests()) == 1
    # and when it comes after, the request and its entry under the address go, read by key
    operations: list[str] = []
    original = base.Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        operations.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(base.Connection, "_make_api_call", counting)
        report = daily_run(366)
    assert report["join_requests_erased"] == 1
    assert "Scan" not in operations
    assert requests() == []
    assert list(Item.query(group_keys.applicant_pk("rosa@example.net"))) == []
    # and the group still counts the request; a second run deletes nothing more
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1
    assert daily_run(367)["join_requests_erased"] == 0
