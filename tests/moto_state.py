"""Snapshots of moto's in-process state, so the test suite provisions template.yaml once per
worker and every test still starts from the same fresh stack.

Provisioning the whole template (tables, queues, bus, rules, user pool) and loading the
directory took ~0.7 s a test, half of the suite's time. A snapshot is a deep copy of every
moto backend's attributes; restoring one deep-copies it back into the live backend objects
(so whatever holds a backend keeps holding the right one) and resets any backend made
since. A restore costs ~10 ms.

moto keeps locks and conditions in its models (SQS queues); copies get fresh ones.
"""

from __future__ import annotations

import calendar
import copy
import copyreg
import json
import os
import threading
from datetime import datetime
from typing import Any

for _kind in (threading.Lock, threading.RLock, threading.Condition):
    copyreg.pickle(type(_kind()), lambda _lock, _kind=_kind: (_kind, ()))

Key = tuple[int, str, str]  # (id of the BackendDict, account, region)


def _live_backends() -> dict[Key, Any]:
    from moto.core.base_backend import BackendDict

    return {
        (id(services), account, region): backend
        for services in BackendDict._instances
        for account, regions in list(services.items())
        for region, backend in list(regions.items())
    }


def _copy(state: dict[str, Any], live: dict[Key, Any]) -> dict[str, Any]:
    # References from one backend to another (or to itself) stay on the live objects.
    memo = {id(backend): backend for backend in live.values()}
    return copy.deepcopy(state, memo)


class MotoSnapshot:
    """Every backend copied in one pass (one memo): what two backends share stays shared.
    DynamoDB Streams' shard iterators hold the tables' stream shards, and so the tables; each
    backend copied on its own copied every table a second time for them (half a restore)."""

    def __init__(self) -> None:
        live = _live_backends()
        self._states = _copy({key: backend.__dict__ for key, backend in live.items()}, live)

    def restore(self) -> None:
        live = _live_backends()
        states = _copy({key: state for key, state in self._states.items() if key in live}, live)
        for key, backend in live.items():
            state = states.get(key)
            if state is None:
                backend.reset()  # made after the snapshot: back to a new backend
                continue
            backend.__dict__.clear()
            backend.__dict__.update(state)
        missing = self._states.keys() - live.keys()
        if missing:
            raise RuntimeError(f"moto backends vanished since the snapshot: {sorted(missing)}")


def roll_back_only_what_a_transaction_touches() -> None:
    """moto backs up a table before a TransactWriteItems by deep-copying it (once per item of
    the transaction), to put the copy back if any part fails. Copying every item of the table
    to undo at most 100 of them was ~15 % of a pipeline test's time, and grew with what the
    test had stored. Instead, this keeps a copy of just the items the transaction names (or
    their absence) and the length of the table's stream, and puts those back in the live
    table when moto would have rolled back: the same all-or-nothing outcome
    (tests/test_moto_state.py), at the cost of the items touched."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "_touched_only", False):
        return
    real_copy = models.copy

    class _NoTableCopy:
        """moto's own backup becomes the live table itself, so its rollback is a no-op."""

        copy = staticmethod(real_copy.copy)

        @staticmethod
        def deepcopy(obj: Any, memo: Any = None) -> Any:
            return obj if isinstance(obj, Table) else real_copy.deepcopy(obj, memo)

    def key_of(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any]:
        attrs = op["Item"] if op_type == "Put" else op["Key"]
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        return hash_value, range_value

    def saved_state(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
        saved = []
        streams: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto refuses it before writing anything
            op_type, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None or op_type not in ("Put", "Delete", "Update", "ConditionCheck"):
                continue
            try:
                hash_value, range_value = key_of(table, op_type, op)
            except (KeyError, TypeError):
                continue  # moto answers the malformed part with a validation error
            if table.range_key_attr:
                had_partition = hash_value in table.items
                item = table.items[hash_value].get(range_value) if had_partition else None
            else:
                had_partition, item = True, table.items.get(hash_value)
            saved.append((table, hash_value, range_value, had_partition, real_copy.deepcopy(item)))
            if table.stream_shard is not None:
                streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
        return saved, list(streams.values())

    def restore(state: tuple[list[Any], list[Any]]) -> None:
        saved, streams = state
        for table, hash_value, range_value, had_partition, item in reversed(saved):
            if not table.range_key_attr:
                if item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
                continue
            partition = table.items[hash_value]
            if item is None:
                partition.pop(range_value, None)
            else:
                partition[range_value] = item
            if not had_partition and not partition:
                del table.items[hash_value]
        for shard, length in streams:
            del shard.items[length:]

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        state = saved_state(self, transact_items)
        models.copy = _NoTableCopy
        try:
            return original(self, transact_items)
        except BaseException:
            restore(state)
            raise
        finally:
            models.copy = real_copy

    transact_write_items._touched_only = True  # type: ignore[attr-defined]
    models.DynamoDBBackend.transact_write_items = transact_write_items


def query_reads_only_its_partition() -> None:
    """moto answers every Query by sorting every item of the table (`Table.all_items`), then
    keeping the partition asked for: with a few hundred items, ~20 ms a Query, most of the
    IAM tour's DynamoDB time. moto already keeps the items by partition, so a Query of the
    table takes its partition's items, and a Query of an index takes the items unsorted (it
    sorts them itself by the index's keys and the table's, a total order): the same items,
    in the same order, as moto's own.

    moto then deep-copies every item it matched, before `Limit` cuts the page (~6 % of a
    pipeline test). Nothing downstream changes them (an index's or an expression's
    projection makes new items; the answer is serialized from them), so within a Query
    the copy is of the list only."""
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "_one_partition", False):
        return
    real_query, real_all_items = Table.query, Table.all_items
    asked = threading.local()
    real_copy = table_module.copy

    class _ListCopyInQuery:
        copy = staticmethod(real_copy.copy)

        @staticmethod
        def deepcopy(obj: Any, memo: Any = None) -> Any:
            if isinstance(obj, list) and getattr(asked, "query", None) is not None:
                return list(obj)
            return real_copy.deepcopy(obj, memo)

    table_module.copy = _ListCopyInQuery  # type: ignore[assignment]

    def all_items(self: Any) -> list[Any]:
        query = getattr(asked, "query", None)
        if query is None or query[0] is not self:
            return real_all_items(self)
        hash_key, index_name = query[1], query[2]
        if index_name is None and hash_key is not None and self.range_key_attr:
            return list(self.items.get(hash_key, {}).values())
        if self.range_key_attr:
            return [item for partition in self.items.values() for item in partition.values()]
        return list(self.items.values())

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs["index_name"] if "index_name" in kwargs else (args[6] if len(args) > 6 else None)
        outer = getattr(asked, "query", None)
        asked.query = (self, hash_key, index_name)
        try:
            return real_query(self, hash_key, *args, **kwargs)
        finally:
            asked.query = outer

    query._one_partition = True  # type: ignore[attr-defined]
    query.__wrapped__ = real_query  # type: ignore[attr-defined]
    all_items.__wrapped__ = real_all_items  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


# DynamoDB's data-plane answers: what moto builds for them is already the JSON body.
_PLAIN_JSON_OPERATIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)


def dynamodb_answer_as_json(handler: Any, result: Any) -> tuple[int, dict[str, Any], str] | None:
    """The answer to a DynamoDB data-plane call as plain JSON, or None where moto's own
    serializer must do it (errors, control-plane calls, values JSON cannot hold)."""
    if isinstance(result, Exception) or handler._get_action() not in _PLAIN_JSON_OPERATIONS:
        return None
    try:
        body = json.dumps(result)
    except TypeError:
        return None
    return 200, {"Content-Type": "application/x-amz-json-1.0", **handler.response_headers}, body


def _epoch_seconds(value: Any) -> float:
    """A time as the JSON protocol sends it: epoch seconds, truncated to milliseconds."""
    if isinstance(value, datetime):
        whole = calendar.timegm(value.timetuple())
        return whole + (value.microsecond // 1000) / 1000.0 if value.microsecond else whole
    raise TypeError(type(value).__name__)


def stream_records_as_json(handler: Any, result: Any) -> tuple[int, dict[str, Any], str] | None:
    """A DynamoDB Streams GetRecords answer as plain JSON (its times as epoch seconds, as
    the JSON protocol sends them), or None where moto's own serializer must do it."""
    if isinstance(result, Exception) or handler._get_action() != "GetRecords":
        return None
    try:
        body = json.dumps(result, default=_epoch_seconds)
    except TypeError:
        return None
    return 200, {"Content-Type": "application/x-amz-json-1.0", **handler.response_headers}, body


def serialize_dynamodb_answers_as_json() -> None:
    """moto serializes every answer by walking the operation's output shape, trying each
    member of each AttributeValue through alias lookups: ~130 ms for a 50-item Query, the
    suite's biggest cost after provisioning. For the data-plane calls the dict moto builds
    is already DynamoDB's JSON body (tests/test_moto_state.py holds the two equal), so
    those are dumped as they are."""
    from moto.dynamodb.responses import DynamoHandler

    if "_moto_serialized" in DynamoHandler.__dict__:
        return
    DynamoHandler._moto_serialized = DynamoHandler.serialized  # type: ignore[attr-defined]

    def serialized(self: Any, action_result: Any) -> Any:
        fast = dynamodb_answer_as_json(self, action_result.result)
        return fast if fast is not None else self._moto_serialized(action_result)

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]

    # The streams' GetRecords (the outbox reads every change through it) likewise.
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    DynamoDBStreamsHandler._moto_serialized = DynamoDBStreamsHandler.serialized  # type: ignore[attr-defined]

    def stream_serialized(self: Any, action_result: Any) -> Any:
        fast = stream_records_as_json(self, action_result.result)
        return fast if fast is not None else self._moto_serialized(action_result)

    DynamoDBStreamsHandler.serialized = stream_serialized  # type: ignore[method-assign]


def one_botocore_session_per_thread() -> None:
    """pynamodb makes a botocore session for every connection, and every model class has its
    own connection, which each test makes anew (table.bind after the caches are reset): a
    new session reads the service model's JSON again, ~70 ms, several times a test. One
    session per thread serves them all; clients stay per connection, as in pynamodb."""
    from pynamodb.connection import base

    if getattr(base.get_session, "_per_thread", False):
        return
    make = base.get_session
    local = threading.local()

    def get_session() -> Any:
        if getattr(local, "session", None) is None:
            local.session = make()
        return local.session

    get_session._per_thread = True  # type: ignore[attr-defined]
    base.get_session = get_session


def one_client_per_service_under_moto() -> None:
    """The functions make their boto3 clients lazily and cache them; each test forgets them
    (its environment may differ), so every test made its SES, EventBridge, SQS, Secrets
    Manager and idempotency clients again: ~20 % of a pipeline test's time went to
    `Session.create_client`. While moto is on, a client asked for with the same service,
    region, endpoint and config is the one already made. Outside moto (DynamoDB Local's
    tests, the local stack) nothing is reused."""
    import boto3.session
    from moto.core.models import botocore_stubber

    if getattr(boto3.session.Session.client, "_reused", False):
        return
    make = boto3.session.Session.client
    made: dict[tuple[Any, ...], Any] = {}
    lock = threading.Lock()

    def client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if not botocore_stubber.enabled or args:
            return make(self, service_name, *args, **kwargs)
        config = kwargs.get("config")
        key = (
            service_name,
            self.region_name,  # the session's, unless region_name is among the arguments below
            tuple(sorted((k, repr(v)) for k, v in kwargs.items() if k != "config")),
            repr(sorted(config._user_provided_options.items())) if config is not None else None,
            tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL"))),
        )
        with lock:
            if key not in made:
                made[key] = make(self, service_name, **kwargs)
            return made[key]

    client._reused = True  # type: ignore[attr-defined]
    boto3.session.Session.client = client  # type: ignore[method-assign]


def method_names_listed_once_per_class() -> None:
    """moto's BaseResponse.call_action lists the response class's methods with
    inspect.getmembers on every request (to find the action's method): ~2 % of a pipeline
    test. A class's methods do not change while the tests run; the list is kept per class."""
    import functools

    from moto.core import responses

    if getattr(responses.method_names_from_class, "_cached", False):
        return
    listed = functools.cache(responses.method_names_from_class)

    def method_names_from_class(clazz: object) -> list[str]:
        return list(listed(clazz))

    method_names_from_class._cached = True  # type: ignore[attr-defined]
    responses.method_names_from_class = method_names_from_class


def stream_records_shared_by_copies() -> None:
    """A DynamoDB stream record is never changed once moto has made it (GetRecords hands
    out its dict to be serialized; a failed transaction's rollback shortens the shard's
    list). A snapshot and its restores share the records instead of deep-copying each
    image: the records were half of a restore's copying."""
    from moto.dynamodb.models.table import StreamRecord

    def shared(self: Any, memo: dict[int, Any]) -> Any:
        return self

    StreamRecord.__deepcopy__ = shared  # type: ignore[attr-defined]


# The services the functions call on every request; moto's S3 treats an unsigned request as
# anonymous (403), so S3 and the rest stay signed.
UNSIGNED_UNDER_MOTO = frozenset({"dynamodb", "sqs", "events", "ses", "secretsmanager"})


def no_signatures_under_moto() -> None:
    """moto checks no signature on these services (its IAM authorization is off): it reads
    the region from the endpoint's host and the account from the environment. SigV4 hashed
    each request's body and headers for nothing, ~3 % of a pipeline test. Outside moto
    (DynamoDB Local's tests, the local stack) requests are signed as before."""
    from botocore import signers
    from moto.core.models import botocore_stubber

    if getattr(signers.RequestSigner.sign, "_skipped_under_moto", False):
        return
    sign = signers.RequestSigner.sign

    def sign_outside_moto(self: Any, *args: Any, **kwargs: Any) -> Any:
        if botocore_stubber.enabled and self.signing_name in UNSIGNED_UNDER_MOTO:
            return None
        return sign(self, *args, **kwargs)

    sign_outside_moto._skipped_under_moto = True  # type: ignore[attr-defined]
    signers.RequestSigner.sign = sign_outside_moto  # type: ignore[method-assign]
