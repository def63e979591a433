"""POST /inquiries reveals nothing about an address (DESIGN §2): a new submission, a repeat
for an address that has a group, and a filled honeypot get the same answer, key by key,
and the request path makes the same AWS calls for each (what makes their time; storing is
the intake queue consumer's). How long they take is a benchmark, not a test (timings flake on a shared machine):
bench/enumeration_timing.py, in `make bench`."""

from __future__ import annotations

import re

from tests.given import open_group_of
from tests.pipeline import VALID_FORM, post_form, store_submissions, submit

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


# --- the request path does the same work for all three (the timing oracle, closed) ----------
#
# Timing is a benchmark, but what makes the time is not: the AWS calls the request path
# makes. They are recorded here (every botocore call: pynamodb's, boto3's, Powertools') and
# must be the same operations, in the same order, with the same parameter names, for a new
# address, an address with an open group, and a filled honeypot. The difference between
# them (a transaction, a PutItem, nothing) now happens in the intake queue's consumer.


def _request_path_calls(aws, monkeypatch, form) -> tuple[list[str], list[str], int]:
    """(each call as service.Operation(parameter names), each call's parameters as JSON,
    the answer's status) of one POST /inquiries, without the queue's consumer."""
    import json

    from botocore.client import BaseClient

    calls: list[str] = []
    params: list[str] = []
    original = BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append(f"{self.meta.service_model.service_name}.{operation_name}({','.join(sorted(api_params))})")
        params.append(json.dumps(api_params, default=str))
        return original(self, operation_name, api_params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", recording)
        answer = post_form(aws, form)
    return calls, params, answer.status


def test_new_repeat_and_honeypot_make_the_same_aws_calls_on_the_request_path(directory, aws, monkeypatch):
    submit(aws, {**VALID_FORM, "email": "warm.up@example.com"})  # the rate-limit key, fetched once per container
    submit(aws, {**VALID_FORM, "email": "has.group@example.com"})
    assert open_group_of("has.group@example.com") is not None

    new = _request_path_calls(aws, monkeypatch, {**VALID_FORM, "email": "first.time@example.com"})
    repeat = _request_path_calls(aws, monkeypatch, {**VALID_FORM, "email": "has.group@example.com", "message": "?"})
    bot = _request_path_calls(aws, monkeypatch, {**VALID_FORM, "email": "bot@example.com", "website": "x"})

    assert new[2] == repeat[2] == bot[2] == 202
    assert new[0] == repeat[0] == bot[0], (new[0], repeat[0], bot[0])
    ops = [c.split("(")[0] for c in new[0]]
    assert ops == ["dynamodb.UpdateItem", "sqs.SendMessage"]  # rate window, queue (the directory: read warm)
    # A cold function (or a warm one after a minute) reads the directory first, whatever the form.
    from shared.storage.directory import forget_cached_directory

    for form in ({**VALID_FORM, "email": "cold.new@example.com"}, {**VALID_FORM, "email": "has.group@example.com"}):
        forget_cached_directory()
        cold = [c.split("(")[0] for c in _request_path_calls(aws, monkeypatch, form)[0]]
        assert cold == ["dynamodb.UpdateItem", "dynamodb.Query", "sqs.SendMessage"]
    # Nothing of the applicant is read: no lock, no group (the consumer's work).
    for _, params, _ in (new, repeat, bot):
        assert not any("APPLICANT#" in p or "GROUP#" in p for p in params)
    assert open_group_of("first.time@example.com") is None  # until the consumer has run
    store_submissions(aws)
    assert open_group_of("first.time@example.com") is not None
    assert open_group_of("bot@example.com") is None


def test_a_join_and_a_join_from_a_bot_make_the_same_aws_calls(directory, aws, monkeypatch):
    from tests import given
    from tests.pipeline import ADMIN, api

    gid = given.group_at(aws, "get_chartered", email="charter@example.net", city="Oakland", zip="94612")
    api(aws, "POST", f"/groups/{gid}/stage", ADMIN, {"to": "develop_plan", "case_id": "C-1"})
    number = api(aws, "GET", f"/groups/{gid}", ADMIN).body["group_number"]
    joiner = {**VALID_FORM, "city": "Berkeley", "zip": "94704", "join_group": number}
    submit(aws, {**joiner, "email": "warm.up@example.com"})

    person = _request_path_calls(aws, monkeypatch, {**joiner, "email": "rosa@example.net"})
    bot = _request_path_calls(aws, monkeypatch, {**joiner, "email": "bot@example.net", "website": "x"})

    assert person[2] == bot[2] == 202
    assert person[0] == bot[0]
    store_submissions(aws)
    assert api(aws, "GET", f"/groups/{gid}", ADMIN).body["join_requests"] == 2  # the warm-up and Rosa
