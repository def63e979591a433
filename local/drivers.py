"""Drives the asynchronous event sources of template.yaml into their functions, as Lambda's
event source mappings do: DynamoDB streams and SQS queues, with batch sizes, filter
criteria, partial batch failures, retries and the declared on-failure destinations.
Schedules are in local/schedules.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local import event_shapes
from local.lambda_runtime import function_arn, invoke
from local.provision import Stack


def matches(pattern: Any, value: Any) -> bool:
    """The subset of EventBridge/Lambda filter-pattern rules the template uses:
    nested objects, lists of alternatives, exact values and {"prefix": ...}."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(matches(p, value.get(k)) for k, p in pattern.items())
    if isinstance(pattern, list):
        candidates = value if isinstance(value, list) else [value]
        return any(_matches_one(p, c) for p in pattern for c in candidates)
    return pattern == value


def _matches_one(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "exists" in rule:
            return (value is not None) == bool(rule["exists"])
        raise ValueError(f"filter rule not supported locally: {sorted(rule)}")
    return rule == value


def event_sources(stack: Stack, kind: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(function logical id, event name, resolved properties) for every event of `kind`."""
    for logical, function in stack.functions().items():
        for name, source in (function["Properties"].get("Events") or {}).items():
            if source["Type"] == kind:
                yield logical, name, stack.resolver.resolve(source.get("Properties", {}))


def _filters(props: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters", [])]


def _failed_ids(response: Any, batch_ids: list[str]) -> list[str] | None:
    """The ids of the batch that failed, or None when the whole batch failed. Lambda takes
    a malformed report, or an itemIdentifier that is empty or not in the batch, as a failure
    of the whole batch: never as a success for the rest of it."""
    if not isinstance(response, dict) or response.get("batchItemFailures") is None:
        return []  # no report (or an empty one): the whole batch succeeded
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
    if not all(isinstance(i, str) and i in batch_ids for i in ids):
        return None
    return ids


Invoker = Callable[[Stack, str, dict[str, Any]], Any]


def _invoke_batch(
    stack: Stack, function: str, event: dict[str, Any], ids: list[str], errors: list[str], invoker: Invoker | None
) -> list[str] | None:
    """Hand one batch to its function: the ids that failed, or None when the whole batch did
    (the handler raised or reported ids it was not given); the reason goes to `errors`."""
    try:
        response = (invoker or invoke)(stack, function, event)
    except Exception as err:  # noqa: BLE001 - a handler crash fails the whole batch, as in Lambda
        errors.append(f"{type(err).__name__}: {err}")
        return None
    failed = _failed_ids(response, ids)
    if failed is None:
        errors.append("batchItemFailures is malformed or names an item not in the batch: the whole batch failed")
    return failed


class StreamCheckpoints:
    """Where each stream's consumer stands, per shard: the sequence number of the last record
    it is done with (delivered, filtered out or sent to the on-failure destination). Kept in
    a JSON file when given one, so a restarted stack resumes after it instead of handing the
    same changes to its functions again (DynamoDB Local keeps its streams on disk)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._positions: dict[str, dict[str, str]] = {}
        if path is not None and path.is_file():
            self._positions = json.loads(path.read_text())

    def get(self, stream_arn: str, shard_id: str) -> str | None:
        return self._positions.get(stream_arn, {}).get(shard_id)

    def knows(self, stream_arn: str) -> bool:
        return bool(self._positions.get(stream_arn))

    def set(self, stream_arn: str, positions: dict[str, str]) -> None:
        if not positions:
            return
        self._positions.setdefault(stream_arn, {}).update(positions)
        if self.path is not None:
            partial = self.path.with_suffix(".partial")
            partial.write_text(json.dumps(self._positions, indent=1))
            partial.replace(self.path)


# At most this many batches of one SQS event source in its function at once, locally.
QUEUE_CONCURRENCY = 4

# A shard that ends gives no next iterator; new shards are looked for this often anyway.
DESCRIBE_EVERY_SECONDS = 5.0


@dataclass
class StreamPump:
    stack: Stack
    function: str
    props: dict[str, Any]
    event_name: str = ""
    checkpoints: StreamCheckpoints = field(default_factory=StreamCheckpoints)
    invoker: Invoker | None = None  # how a batch reaches its function (None: invoke; the stack's takes its lock)
    _iterators: dict[str, str] = field(default_factory=dict)  # open shard → its next iterator
    _read_to: dict[str, str] = field(default_factory=dict)  # shard → last sequence number read
    _finished: set[str] = field(default_factory=set)  # shards read to their end
    _described_at: float = -DESCRIBE_EVERY_SECONDS
    _pending: list[dict[str, Any]] = field(default_factory=list)  # read, not yet done with
    _attempts: int = 0
    errors: list[str] = field(default_factory=list)

    def _client(self, service: str) -> Any:
        return self.stack.client(service)

    def _iterator(self, shard_id: str, *, new_shard: bool) -> str | None:
        """An iterator after what was read (or done with, after a restart); a shard never
        seen starts at the mapping's StartingPosition when the stack first reads the
        stream, and at its beginning when it appears later (a child of a shard read)."""
        streams = self._client("dynamodbstreams")
        arn = self.props["Stream"]
        after = self._read_to.get(shard_id) or self.checkpoints.get(arn, shard_id)
        if after:
            where: dict[str, str] = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
        elif new_shard or self.checkpoints.knows(arn):
            where = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            where = {"ShardIteratorType": self.props["StartingPosition"]}
        try:
            return streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **where)["ShardIterator"]
        except streams.exceptions.TrimmedDataAccessException:
            return streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"
            ]

    def _discover(self) -> None:
        streams = self._client("dynamodbstreams")
        arn = self.props["Stream"]
        first = self._described_at < 0
        self._described_at = time.monotonic()
        shards: list[dict[str, Any]] = []
        kwargs: dict[str, str] = {}
        while True:
            description = streams.describe_stream(StreamArn=arn, **kwargs)["StreamDescription"]
            shards += description["Shards"]
            if not description.get("LastEvaluatedShardId"):
                break
            kwargs = {"ExclusiveStartShardId": description["LastEvaluatedShardId"]}
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id in self._iterators or shard_id in self._finished:
                continue
            if shard.get("ParentShardId") in self._iterators:
                continue  # the parent's records come first: read it to its end
            iterator = self._iterator(shard_id, new_shard=not first)
            if iterator:
                self._iterators[shard_id] = iterator
            else:
                self._finished.add(shard_id)

    def _read(self) -> None:
        if not self._iterators or time.monotonic() - self._described_at >= DESCRIBE_EVERY_SECONDS:
            self._discover()
        streams = self._client("dynamodbstreams")
        ended = False
        for shard_id, iterator in list(self._iterators.items()):
            try:
                page = streams.get_records(ShardIterator=iterator)
            except streams.exceptions.ExpiredIteratorException:
                self._iterators[shard_id] = self._iterator(shard_id, new_shard=True) or iterator
                continue
            for record in page["Records"]:
                self._pending.append({**record, "_shard": shard_id})
                self._read_to[shard_id] = record["dynamodb"]["SequenceNumber"]
            if page.get("NextShardIterator"):
                self._iterators[shard_id] = page["NextShardIterator"]
            else:  # the shard is closed and read to its end: its children come next
                del self._iterators[shard_id]
                self._finished.add(shard_id)
                ended = True
        if ended:
            self._discover()

    def _done(self, count: int) -> None:
        """The first `count` pending records are done with: record where each shard stands."""
        positions = {r["_shard"]: r["dynamodb"]["SequenceNumber"] for r in self._pending[:count]}
        del self._pending[:count]
        self.checkpoints.set(self.props["Stream"], positions)

    def pump(self) -> int:
        """Deliver what the stream has; returns how many records were handed over."""
        self._read()
        filters = _filters(self.props)
        handed = 0
        while self._pending:
            batch = [
                {k: v for k, v in r.items() if k != "_shard"}
                for r in self._pending[: int(self.props.get("BatchSize", 100))]
            ]
            shaped = event_shapes.stream_event(batch, self.props["Stream"])["Records"]
            kept = [r for r in shaped if not filters or any(matches(f, r) for f in filters)]
            if not kept:
                self._done(len(batch))
                continue
            sequences = [r["dynamodb"]["SequenceNumber"] for r in kept]
            failed = _invoke_batch(self.stack, self.function, {"Records": kept}, sequences, self.errors, self.invoker)
            handed += len(kept)
            if failed == []:
                self._done(len(batch))
                self._attempts = 0
                continue
            # Retried from the first failed record (the whole batch when it all failed).
            sequence = sequences[0] if failed is None else min(failed, key=sequences.index)
            done = next(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == sequence)
            self._done(done)
            self._attempts += 1
            if self._attempts > int(self.props.get("MaximumRetryAttempts", 10)):
                record = {k: v for k, v in self._pending[0].items() if k != "_shard"}
                self._to_on_failure(record)
                self._done(1)
                self._attempts = 0
            return handed  # retry on the next pump, as the mapping would after a failure
        return handed

    def _to_on_failure(self, record: dict[str, Any]) -> None:
        destination = ((self.props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not destination:
            return
        queue_url = self._client("sqs").get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
        info = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "functionArn": function_arn(self.stack, self.function),
            },
            "DDBStreamBatchInfo": {
                "streamArn": self.props["Stream"],
                "startSequenceNumber": record["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": record["dynamodb"]["SequenceNumber"],
                "batchSize": 1,
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        self._client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(info))


@dataclass
class QueuePump:
    stack: Stack
    function: str
    props: dict[str, Any]
    retry_delay_seconds: int = 0
    event_name: str = ""
    errors: list[str] = field(default_factory=list)
    invoker: Invoker | None = None
    _url: str = ""

    def receive(self) -> list[dict[str, Any]]:
        """One batch off the queue (up to BatchSize, at most 10), or [] when it is empty."""
        sqs = self.stack.client("sqs")
        if not self._url:
            self._url = sqs.get_queue_url(QueueName=self.props["Queue"].rsplit(":", 1)[-1])["QueueUrl"]
        return sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(int(self.props.get("BatchSize", 10)), 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])

    def deliver(self, messages: list[dict[str, Any]]) -> int:
        """Hand one batch received to the function, then delete what it handled and put what
        failed back on the queue; returns how many messages were handed over."""
        if not messages:
            return 0
        sqs = self.stack.client("sqs")
        event = event_shapes.sqs_event(messages, self.props["Queue"], self.stack.resolver.region)
        ids = [m["MessageId"] for m in messages]
        failed = _invoke_batch(self.stack, self.function, event, ids, self.errors, self.invoker)
        retried = [m for m in messages if failed is None or m["MessageId"] in failed]
        handled = [m for m in messages if failed is not None and m["MessageId"] not in failed]
        refused: list[dict[str, Any]] = []
        # One call for the batch's handled messages, as Lambda's mapping deletes them.
        if handled:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(handled)]
            refused += sqs.delete_message_batch(QueueUrl=self._url, Entries=entries).get("Failed", [])
        # The failed ones back on the queue after the retry delay; the queue's redrive policy
        # moves one to the DLQ once it has been received maxReceiveCount times.
        if retried:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self.retry_delay_seconds}
                for i, m in enumerate(retried)
            ]
            refused += sqs.change_message_visibility_batch(QueueUrl=self._url, Entries=entries).get("Failed", [])
        if refused:  # a receipt SQS does not know: its message stays, to be received and handled again
            codes = sorted({f.get("Code", "?") for f in refused})
            raise RuntimeError(f"{self.function}: SQS refused {len(refused)} of the batch's receipts: {codes}")
        return len(messages)

    def pump(self) -> int:
        """Receive one batch and deliver it; returns how many messages were handed over."""
        return self.deliver(self.receive())

    @property
    def max_concurrency(self) -> int:
        """How many batches of this source may be in its function at once: the mapping's
        ScalingConfig.MaximumConcurrency, at most QUEUE_CONCURRENCY locally (Lambda's own
        default is in the hundreds; two cores are not)."""
        declared = (self.props.get("ScalingConfig") or {}).get("MaximumConcurrency")
        return max(1, min(int(declared or QUEUE_CONCURRENCY), QUEUE_CONCURRENCY))


def pumps(
    stack: Stack, retry_delay_seconds: int = 0, checkpoints: StreamCheckpoints | None = None
) -> list[StreamPump | QueuePump]:
    """`checkpoints`: where the stream consumers stand (None: in memory, from the start)."""
    positions = checkpoints or StreamCheckpoints()
    out: list[StreamPump | QueuePump] = [
        StreamPump(stack, fn, props, event_name=name, checkpoints=positions)
        for fn, name, props in event_sources(stack, "DynamoDB")
    ]
    out += [
        QueuePump(stack, fn, props, retry_delay_seconds, event_name=name)
        for fn, name, props in event_sources(stack, "SQS")
    ]
    return out


def drain(all_pumps: list[StreamPump | QueuePump], max_rounds: int = 50) -> int:
    """Pump until nothing moves (or max_rounds); returns how many items were handed over."""
    total = 0
    for _ in range(max_rounds):
        moved = sum(p.pump() for p in all_pumps)
        total += moved
        if not moved:
            break
    return total
