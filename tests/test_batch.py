"""The queue consumers' partial-batch answer (shared/batch.py): only the records that raised
are reported, so only they come back and, in the end, go to the DLQ."""

from __future__ import annotations

import pytest

from shared.batch import partial_batch_response


def records(*ids: str) -> list[dict]:
    return [{"messageId": i, "body": i} for i in ids]


def test_the_records_that_raise_are_reported_by_id_and_the_others_are_not():
    def handle(record: dict) -> None:
        if record["body"].startswith("bad"):
            raise ValueError("no")

    answer = partial_batch_response(records("a", "bad-1", "b", "bad-2"), handle, lambda r: r["messageId"])

    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad-1"}, {"itemIdentifier": "bad-2"}]}


def test_a_batch_that_all_fails_is_reported_record_by_record_not_raised():
    def handle(_record: dict) -> None:
        raise RuntimeError("down")

    answer = partial_batch_response(records("a", "b"), handle, lambda r: r["messageId"])

    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == ["a", "b"]


@pytest.mark.parametrize("ids", [(), ("a",), ("a", "b", "c")])
def test_a_batch_that_all_succeeds_reports_no_failure(ids):
    assert partial_batch_response(records(*ids), lambda _r: None, lambda r: r["messageId"]) == {"batchItemFailures": []}
