"""Joining a chartered group near you instead of starting one: the request reaches the
group's organizer, the person hears who will be in touch, the group counts the referral,
and no prospective group is created."""

from __future__ import annotations

from shared.storage import groups
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


def chartered_oakland(aws) -> tuple[str, int]:
    gid = given.group_at(aws, "develop_plan", email="olu@example.com", city="Oakland", zip="94612")
    number = api(aws, "GET", f"/groups/{gid}", ADMIN).body["group_number"]
    run_async(aws)
    return gid, number


def test_joining_a_nearby_group_reaches_its_organizer_and_creates_no_group(directory, aws):
    # given a chartered group in Oakland
    gid, number = chartered_oakland(aws)
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
    assert groups.find_open_group_id("rosa@example.net") is None
    # and the group counts the referral
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1


def test_the_same_join_sent_twice_is_one_request(directory, aws):
    gid, number = chartered_oakland(aws)
    first = submit(aws, {**JOINER, "join_group": number})
    again = submit(aws, {**JOINER, "join_group": number})
    # Answered alike but for a fresh inquiry_id (the request path does not look anything up).
    assert {**first.body, "inquiry_id": None} == {**again.body, "inquiry_id": None}
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1


def test_a_group_far_away_or_not_chartered_cannot_be_joined(directory, aws):
    # given a chartered group in Oakland
    _, number = chartered_oakland(aws)
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


def test_the_pipeline_report_counts_join_requests(directory, aws):
    _, number = chartered_oakland(aws)
    submit(aws, {**JOINER, "join_group": number})
    report = api(aws, "GET", "/reports/pipeline", ADMIN).body
    assert report["join_requests"] == 1
    assert next(r for r in report["rows"] if r["state"] == "CA")["join_requests"] == 1


def test_erasing_an_address_erases_its_requests_to_join(directory, aws):
    # given someone who asked to join a chartered group
    gid, number = chartered_oakland(aws)
    submit(aws, {**JOINER, "join_group": number})
    # when their address is erased (their request, or an admin's)
    from shared.domain.clock import utcnow
    from shared.storage.table import InquiryItem
    from shared.usecases.erasure import erase_address

    erase_address("ROSA@example.net", utcnow(), by="admin@example.org")
    # then no item holds their details any more; the group still counts the request
    left = [i for i in InquiryItem.query(groups.group_pk(gid)) if i.intent == "join"]
    assert left == []
    assert list(groups.Item.query(groups.applicant_pk("rosa@example.net"))) == []
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 1
