"""Every asynchronous hop delivers at least once and the emails still go out exactly once:
stream → outbox → EventBridge → email queue → sender → SES (DESIGN §3, §4)."""

from __future__ import annotations

import json

import pytest

from local import drivers
from local.event_shapes import sqs_event, stream_event
from local.lambda_runtime import invoke
from shared.outbox.events import GroupStageChanged, InquiryReceived, TableChange, detail_of, events_for_change
from tests.conftest import sample_event, sent_emails
from tests.pipeline import run_async, submit


def stream_records(stack) -> list[dict]:
    """Everything the table's stream holds now (without consuming anything)."""
    streams = stack.session.client("dynamodbstreams")
    arn = stack.attr("GroupsTable", "StreamArn")
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]  # fmt: skip
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def inquiry_stream_event(stack) -> dict:
    records = [r for r in stream_records(stack) if r["dynamodb"]["Keys"]["SK"]["S"].startswith("INQUIRY#")]
    return stream_event(records, stack.attr("GroupsTable", "StreamArn"))


def queue_messages(stack, logical_id: str) -> list[dict]:
    sqs = stack.session.client("sqs")
    return sqs.receive_message(QueueUrl=stack.name(logical_id), MaxNumberOfMessages=10, AttributeNames=["All"],
                               VisibilityTimeout=0).get("Messages", [])  # fmt: skip


# --- the outbox mapping is pure -------------------------------------------------------


def test_an_inserted_inquiry_becomes_inquiry_received():
    new = {"kind": "inquiry", "group_id": "g", "inquiry_id": "i", "state": "CA", "organizer_id": "o",
           "duplicate": False, "message": "private words"}  # fmt: skip
    [event] = events_for_change(TableChange("INSERT", None, new))
    assert event == InquiryReceived(group_id="g", inquiry_id="i", state="CA", organizer_id="o", duplicate=False)
    assert "private words" not in json.dumps(detail_of(event))


def test_a_stage_change_of_the_group_item_becomes_group_stage_changed():
    old = {"kind": "group", "group_id": "g", "stage": "get_chartered", "version": 7}
    new = {**old, "stage": "develop_plan", "version": 8, "changed_by": "fo-west", "updated_at": "2026-11-23T00:00:00Z",
           "group_number": 12, "case_id": "case-1"}  # fmt: skip
    [event] = events_for_change(TableChange("MODIFY", old, new))
    assert event == GroupStageChanged(group_id="g", from_stage="get_chartered", to_stage="develop_plan", version=8,
                                      changed_by="fo-west", changed_at="2026-11-23T00:00:00Z", group_number=12,
                                      case_id="case-1")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("MODIFY", {"kind": "group", "stage": "learn_more"}, {"kind": "group", "stage": "learn_more"}),
        ("INSERT", None, {"kind": "group", "stage": "learn_more"}),
        ("REMOVE", {"kind": "inquiry", "group_id": "g"}, None),
        ("MODIFY", {"kind": "organizer"}, {"kind": "organizer", "open_inquiries": 2}),
        ("INSERT", None, {"kind": "applicant", "group_id": "g"}),
    ],
)
def test_other_changes_publish_nothing(name, old, new):
    assert events_for_change(TableChange(name, old, new)) == []


# --- redelivery at every hop ----------------------------------------------------------


def test_a_redelivered_stream_record_still_sends_each_email_once(directory, aws):
    submit(aws)
    event = inquiry_stream_event(aws)

    invoke(aws, "OutboxFunction", event)
    invoke(aws, "OutboxFunction", event)  # the same batch again: at-least-once delivery
    assert len(queue_messages(aws, "EmailQueue")) == 2
    run_async(aws)

    assert len(sent_emails()) == 2


def test_a_redelivered_queue_message_still_sends_each_email_once(directory, aws):
    submit(aws)
    invoke(aws, "OutboxFunction", inquiry_stream_event(aws))
    messages = queue_messages(aws, "EmailQueue")
    event = sqs_event(messages, aws.attr("EmailQueue", "Arn"))

    first = invoke(aws, "EmailSenderFunction", event)
    second = invoke(aws, "EmailSenderFunction", event)

    assert first == second == {"batchItemFailures": []}
    assert len(sent_emails()) == 2


def test_a_failed_send_is_retried_without_resending_what_went_out(directory, aws, monkeypatch):
    from shared.mail import sender

    real_send = sender._send
    calls = {"n": 0}

    def flaky_send(message, ses):
        calls["n"] += 1
        if calls["n"] == 2:  # the second email of the batch fails once
            raise ConnectionError("SES unreachable")
        return real_send(message, ses)

    monkeypatch.setattr(sender, "_send", flaky_send)
    submit(aws)
    invoke(aws, "OutboxFunction", inquiry_stream_event(aws))
    messages = queue_messages(aws, "EmailQueue")
    event = sqs_event(messages, aws.attr("EmailQueue", "Arn"))

    failed = invoke(aws, "EmailSenderFunction", event)
    assert failed == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert len(sent_emails()) == 1

    assert invoke(aws, "EmailSenderFunction", event) == {"batchItemFailures": []}
    assert len(sent_emails()) == 2
    assert len({e.to[0] for e in sent_emails()}) == 2


def test_a_failed_send_is_logged_by_message_and_error_type_without_the_address(directory, aws, monkeypatch, caplog):
    from shared.mail import sender

    def refusing_send(message, ses):
        raise RuntimeError(f"Email address is not verified: {message['to'][0]}")

    monkeypatch.setattr(sender, "_send", refusing_send)
    submit(aws)
    invoke(aws, "OutboxFunction", inquiry_stream_event(aws))
    messages = queue_messages(aws, "EmailQueue")

    invoke(aws, "EmailSenderFunction", sqs_event(messages, aws.attr("EmailQueue", "Arn")))

    [failure] = [r for r in caplog.records if r.getMessage().startswith("email message failed")]
    assert failure.levelname == "WARNING"
    assert (failure.record_id, failure.error_type) == (messages[0]["MessageId"], "RuntimeError")
    everything = json.dumps([vars(r) for r in caplog.records], default=str)
    assert "ana.souza" not in everything.lower()


def test_an_event_the_bus_keeps_refusing_is_parked_on_the_durable_queue_not_dropped(directory, aws, monkeypatch):
    from shared.outbox import publisher

    class RefusingBus:
        def put_events(self, Entries):  # noqa: N803 - boto3's parameter name
            return {"FailedEntryCount": len(Entries), "Entries": [{"ErrorCode": "InternalFailure"}] * len(Entries)}

    monkeypatch.setattr(publisher, "_client", lambda: RefusingBus())
    monkeypatch.setattr("shared.outbox.parking.time.sleep", lambda s: None)
    submit(aws)
    event = inquiry_stream_event(aws)

    response = invoke(aws, "OutboxFunction", event)

    assert response == {"batchItemFailures": []}  # handled: its event waits for the redrive
    [parked] = queue_messages(aws, "OutboxDLQ")
    assert json.loads(parked["Body"])["events"][0]["detail_type"] == "InquiryReceived"


def test_a_message_that_keeps_failing_ends_in_the_dlq_and_is_not_lost(aws):
    sqs = aws.session.client("sqs")
    sqs.send_message(QueueUrl=aws.name("EmailQueue"), MessageBody="{not an event")
    pumps = [p for p in drivers.pumps(aws) if isinstance(p, drivers.QueuePump)]

    for _ in range(7):
        drivers.drain(pumps, max_rounds=1)

    assert queue_messages(aws, "EmailQueue") == []
    [dead] = queue_messages(aws, "EmailDLQ")
    assert dead["Body"] == "{not an event"


def test_a_stream_record_that_keeps_failing_goes_to_the_outbox_dlq(directory, aws, monkeypatch, caplog):
    from shared.outbox import publisher

    def broken(*args, **kwargs):  # publishing and parking both fail
        raise publisher.PublishFailed("bus down")

    monkeypatch.setattr("functions.outbox.app.publish_or_park", broken)
    submit(aws)
    [stream_pump] = [p for p in drivers.pumps(aws) if isinstance(p, drivers.StreamPump)]

    for _ in range(15):
        stream_pump.pump()

    [dead] = queue_messages(aws, "OutboxDLQ")
    info = json.loads(dead["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    failures = [r for r in caplog.records if r.getMessage().startswith("stream record failed")]
    assert failures
    assert {(r.levelname, r.error_type) for r in failures} == {("WARNING", "PublishFailed")}
    assert info["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:test-OutboxFunction"
    assert info["DDBStreamBatchInfo"]["streamArn"] == aws.attr("GroupsTable", "StreamArn")


def a_handler_that_reports_an_item_it_was_not_given(calls: list[list[str]]):
    def misreporting(stack, function, event):
        calls.append([r.get("messageId") or r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}

    return misreporting


def test_a_stream_batch_that_reports_an_unknown_record_fails_whole_and_ends_in_the_outbox_dlq(
    directory, aws, monkeypatch
):
    # Given: a form stored (by the intake queue's consumer, before anything is broken), and an
    # outbox that reports, for every batch, a failure of a record it was never given
    submit(aws)
    calls: list[list[str]] = []
    monkeypatch.setattr(drivers, "invoke", a_handler_that_reports_an_item_it_was_not_given(calls))
    [stream_pump] = [p for p in drivers.pumps(aws) if isinstance(p, drivers.StreamPump)]

    # When: the stream is pumped as often as the mapping's MaximumRetryAttempts (10) allows
    for _ in range(10):
        stream_pump.pump()
    # Then: each time the whole batch was retried, and nothing is dead-lettered yet
    assert len(calls) == 10
    assert all(batch == calls[0] for batch in calls)
    assert queue_messages(aws, "OutboxDLQ") == []

    # When: one more attempt fails; Then: its first record goes to the on-failure destination
    stream_pump.pump()
    [dead] = queue_messages(aws, "OutboxDLQ")
    assert json.loads(dead["Body"])["DDBStreamBatchInfo"]["startSequenceNumber"] == calls[0][0]


def test_a_queue_batch_that_reports_an_unknown_message_is_retried_and_redriven_not_deleted(aws, monkeypatch):
    # Given: two emails on the queue and a sender that reports a message it was never given
    sqs = aws.session.client("sqs")
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=aws.name("EmailQueue"), MessageBody=body)
    calls: list[list[str]] = []
    monkeypatch.setattr(drivers, "invoke", a_handler_that_reports_an_item_it_was_not_given(calls))
    pumps = [p for p in drivers.pumps(aws) if isinstance(p, drivers.QueuePump)]

    # When: the queue is pumped past its maxReceiveCount (5)
    for _ in range(7):
        drivers.drain(pumps, max_rounds=1)

    # Then: neither message was lost: both were retried and redriven to the DLQ
    assert sum(len(batch) for batch in calls) == 10
    assert queue_messages(aws, "EmailQueue") == []
    assert sorted(m["Body"] for m in queue_messages(aws, "EmailDLQ")) == ["first", "second"]


def test_the_outbox_ignores_items_outside_its_filter(directory, aws):
    from shared.storage.directory import read_directory

    before = len(queue_messages(aws, "EmailQueue"))
    run_async(aws)  # the directory load put organizer items on the stream
    assert read_directory().organizers
    assert len(queue_messages(aws, "EmailQueue")) == before == 0


# --- the sample events of events/ run as they are ------------------------------------


def test_the_sample_stream_event_publishes_both_events(aws):
    assert invoke(aws, "OutboxFunction", sample_event("outbox_stream.json")) == {"batchItemFailures": []}
    bodies = [json.loads(m["Body"]) for m in queue_messages(aws, "EmailQueue")]
    assert sorted(b["detail-type"] for b in bodies) == ["GroupStageChanged", "InquiryReceived"]


def test_the_sample_sqs_event_for_an_unknown_group_sends_nothing_and_succeeds(aws):
    assert invoke(aws, "EmailSenderFunction", sample_event("email_sender_sqs.json")) == {"batchItemFailures": []}
    assert sent_emails() == []


def test_the_sample_api_events_answer(directory, aws):
    created = invoke(aws, "IntakeFunction", sample_event("intake_post_inquiry.json"))
    listed = invoke(aws, "OrganizersFunction", sample_event("organizers_list.json"))
    assert created["statusCode"] == 202
    assert listed["statusCode"] == 200
    assert {o["organizer_id"] for o in json.loads(listed["body"])} == {"ac-ca-north", "ac-ca-south", "fo-west"}


def test_a_taken_notice_becomes_follow_up_due_and_a_taken_digest_digest_due():
    from shared.outbox.events import DigestDue, FollowUpDue

    notice = {"kind": "notice", "group_id": "g", "action": "first_contact_reminder", "slot": "first_contact_reminder",
              "due_at": "2026-11-26T14:00:00Z", "run_at": "2026-11-26T14:00:05Z"}  # fmt: skip
    digest = {"kind": "digest", "organizer_id": "fo-west", "week": "2026-W48", "run_at": "2026-11-23T13:00:00Z"}

    assert events_for_change(TableChange("INSERT", None, notice)) == [
        FollowUpDue(
            group_id="g",
            action="first_contact_reminder",
            slot="first_contact_reminder",
            due_at="2026-11-26T14:00:00Z",
            run_at="2026-11-26T14:00:05Z",
        )  # fmt: skip
    ]
    assert events_for_change(TableChange("INSERT", None, digest)) == [
        DigestDue(organizer_id="fo-west", week="2026-W48", as_of="2026-11-23T13:00:00Z")
    ]
    assert events_for_change(TableChange("REMOVE", notice, None)) == []


def test_an_event_detail_that_lacks_a_field_or_has_one_of_the_wrong_type_is_refused():
    from shared.outbox.events import InvalidEvent, parse_event

    good = {"group_id": "g", "inquiry_id": "i", "state": "CA", "organizer_id": None, "duplicate": False, "new": 1}
    assert parse_event("InquiryReceived", good) == InquiryReceived(
        group_id="g", inquiry_id="i", state="CA", organizer_id=None, duplicate=False
    )
    assert parse_event("SomethingElse", good) is None
    with pytest.raises(InvalidEvent, match="inquiry_id is missing"):
        parse_event("InquiryReceived", {k: v for k, v in good.items() if k != "inquiry_id"})
    with pytest.raises(InvalidEvent, match="duplicate has the wrong type"):
        parse_event("InquiryReceived", {**good, "duplicate": "no"})
    moved = {"group_id": "g", "from_stage": "a", "to_stage": "b", "changed_by": None, "changed_at": "t"}
    with pytest.raises(InvalidEvent, match="version has the wrong type"):
        parse_event("GroupStageChanged", {**moved, "version": True})


def test_a_batch_leaves_its_queue_in_one_call_and_its_failures_return_in_one(aws, monkeypatch):
    # Given: ten messages on the email queue, and a function that fails the even ones
    sqs = aws.session.client("sqs")
    sqs.send_message_batch(
        QueueUrl=aws.name("EmailQueue"), Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)]
    )
    monkeypatch.setattr(
        drivers,
        "invoke",
        lambda _stack, _fn, event, **_kw: {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if int(r["body"]) % 2 == 0
            ]
        },
    )
    [pump] = [p for p in drivers.pumps(aws) if p.function == "EmailSenderFunction"]
    client = pump.stack.client("sqs")
    calls: list[str] = []

    def count(model, **_kw):
        calls.append(model.name)

    # When: one batch is delivered
    client.meta.events.register("before-call.sqs.*", count)
    try:
        assert pump.pump() == 10
    finally:
        client.meta.events.unregister("before-call.sqs.*", count)

    # Then: the five handled went in one delete, the five failed back in one call
    calls.remove("GetQueueUrl")  # the pump's first look up of its queue
    assert calls == ["ReceiveMessage", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"]
    assert sorted(m["Body"] for m in queue_messages(aws, "EmailQueue")) == ["0", "2", "4", "6", "8"]


def test_a_batch_whose_receipts_sqs_refuses_says_so_instead_of_passing_silently(aws, monkeypatch):
    # Given: a batch received, one of whose receipts SQS does not know
    sqs = aws.session.client("sqs")
    sqs.send_message_batch(
        QueueUrl=aws.name("EmailQueue"), Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(2)]
    )
    [pump] = [p for p in drivers.pumps(aws) if p.function == "EmailSenderFunction"]
    batch = pump.receive()
    batch[0] = {**batch[0], "ReceiptHandle": "not-a-receipt-sqs-gave"}
    monkeypatch.setattr(drivers, "invoke", lambda *_args, **_kw: {"batchItemFailures": []})

    # When / Then: the other message is deleted, and the pump says what SQS refused
    with pytest.raises(RuntimeError, match="refused 1 of the batch's receipts"):
        pump.deliver(batch)
    counts = sqs.get_queue_attributes(QueueUrl=aws.name("EmailQueue"), AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "1")
