"""The group page shows the founder's own words: GET /groups/{id} carries the forms sent for
the group, oldest first, a repeat from the same address marked unverified."""

from __future__ import annotations

from tests.pipeline import ADMIN, VALID_FORM, api, submit


def test_the_group_carries_the_founders_message(aws):
    gid = submit(aws).body["group_id"]

    group = api(aws, "GET", f"/groups/{gid}", ADMIN).body

    [inquiry] = group["inquiries"]
    assert inquiry["message"] == VALID_FORM["message"]
    assert inquiry["unverified"] is False
    assert inquiry["received_at"] == group["created_at"]


def test_a_repeat_form_adds_its_message_marked_unverified(aws):
    gid = submit(aws).body["group_id"]
    submit(aws, {**VALID_FORM, "message": "We now meet on Tuesdays."})

    inquiries = api(aws, "GET", f"/groups/{gid}", ADMIN).body["inquiries"]

    assert [(i["message"], i["unverified"]) for i in inquiries] == [
        (VALID_FORM["message"], False),
        ("We now meet on Tuesdays.", True),
    ]
