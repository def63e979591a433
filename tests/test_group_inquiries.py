"""The group page shows the founder's own words and the follow-ups sent: GET /groups/{id}
carries the forms sent for the group, oldest first (a repeat from the same address marked
unverified), and the follow-up emails the scheduled runs sent."""

from __future__ import annotations

from datetime import timedelta

from local.lambda_runtime import invoke
from shared.domain.clock import iso, parse_iso
from tests.given import new_group
from tests.pipeline import ADMIN, VALID_FORM, api, submit


def test_the_group_carries_the_founders_message(aws, directory):
    gid = new_group(aws)

    group = api(aws, "GET", f"/groups/{gid}", ADMIN).body

    [inquiry] = group["inquiries"]
    assert inquiry["message"] == VALID_FORM["message"]
    assert inquiry["unverified"] is False
    assert inquiry["received_at"] == group["created_at"]


def test_a_repeat_form_adds_its_message_marked_unverified(aws, directory):
    gid = new_group(aws)
    submit(aws, {**VALID_FORM, "message": "We now meet on Tuesdays."})

    inquiries = api(aws, "GET", f"/groups/{gid}", ADMIN).body["inquiries"]

    assert [(i["message"], i["unverified"]) for i in inquiries] == [
        (VALID_FORM["message"], False),
        ("We now meet on Tuesdays.", True),
    ]


def test_the_group_lists_the_follow_up_emails_sent(aws, directory):
    gid = new_group(aws)
    created = api(aws, "GET", f"/groups/{gid}", ADMIN).body["created_at"]
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["follow_ups"] == []

    invoke(aws, "FollowUpsFunction", {"time": iso(parse_iso(created) + timedelta(days=4))})

    [reminder] = api(aws, "GET", f"/groups/{gid}", ADMIN).body["follow_ups"]
    assert reminder["action"] == "first_contact_reminder"
