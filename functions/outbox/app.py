"""DynamoDB stream → EventBridge: publishes domain events from committed group changes.

A record whose events EventBridge keeps refusing has them parked (ids only) on the
outbox's durable queue, from which `make redrive-outbox` publishes them
(shared/outbox/parking.py). A record that fails otherwise (its change cannot be read, or
parking fails) is reported as a batch item failure; the event source mapping retries it
(bisecting the batch) and then sends its shard pointer to the same queue.
"""

import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from shared.batch import logs_failures
from shared.outbox.events import TableChange, events_for_change
from shared.outbox.parking import publish_or_park
from shared.outbox.publisher import publish

logger = Logger()
# Report every failed record, even when all fail, so retries and the DLQ see items, not a crash.
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


@logs_failures(logger, "stream record", lambda record: record.event_id)
def record_handler(record: DynamoDBRecord) -> None:
    change = TableChange(
        event_name=record.event_name.name if record.event_name else "",
        old=record.dynamodb.old_image if record.dynamodb else None,
        new=record.dynamodb.new_image if record.dynamodb else None,
    )
    events = events_for_change(change)
    if not events:
        return
    if not publish_or_park(events, record.event_id or "", publish, os.environ["OUTBOX_PARKING_QUEUE_URL"]):
        logger.error("events parked for redrive", extra={"record_id": record.event_id, "count": len(events)})
        return
    for event in events:
        logger.info("event published", extra={"detail_type": event.detail_type, "key": event.dedup_key})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
