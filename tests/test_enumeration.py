"""POST /inquiries reveals nothing about an address (DESIGN §2): a new submission, a repeat
for an address that has a group, and a filled honeypot get the same answer, key by key.
Whether they also take about the same time is a benchmark, not a test (timings flake on a
shared machine): bench/enumeration_timing.py, in `make bench`."""

from __future__ import annotations

import re

from tests.pipeline import VALID_FORM, submit

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _answers(aws):
    new = submit(aws, {**VALID_FORM, "email": "first.time@example.com"})
    submit(aws, {**VALID_FORM, "email": "has.group@example.com", "state": "TX", "zip": "78701", "city": "Austin"})
    # A stranger types that address, giving California: the answer is about California.
    repeat = submit(aws, {**VALID_FORM, "email": "has.group@example.com", "message": "Who runs this group?"})
    bot = submit(aws, {**VALID_FORM, "email": "bot@example.com", "website": "http://spam.example"})
    return new, repeat, bot


def test_new_repeat_and_honeypot_answers_are_the_same_key_by_key(directory, aws):
    new, repeat, bot = _answers(aws)

    assert new.status == repeat.status == bot.status == 202
    assert new.headers == repeat.headers == bot.headers
    assert set(new.body) == set(repeat.body) == set(bot.body)
    for key in new.body:
        if key == "inquiry_id":
            assert all(UUID.match(a.body[key]) for a in (new, repeat, bot))
            assert len({a.body[key] for a in (new, repeat, bot)}) == 3
        else:
            assert new.body[key] == repeat.body[key] == bot.body[key], key
    assert "group_id" not in repeat.body
    assert "duplicate" not in repeat.body


def test_a_repeat_answer_names_whom_routing_picks_for_what_was_submitted(directory, aws):
    _, repeat, _ = _answers(aws)

    # The address's group is in Texas; the answer follows the Californian form it was given.
    assert repeat.body["organizer"]["email"] == directory.get("ac-ca-north").email
