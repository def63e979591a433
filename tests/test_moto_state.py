"""The suite's speed-ups of moto (tests/moto_state.py) change nothing a test can see: each
test starts from the same fresh stack, DynamoDB and its streams answer the same bytes
moto's serializer would, a Query finds what moto's own would, in its order, and a failed
transaction still writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import sent_emails
from tests.given import new_group
from tests.pipeline import run_async


def _items(aws: Any) -> list[dict[str, Any]]:
    client = aws.client("dynamodb")
    return client.query(
        TableName=aws.name("GroupsTable"),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "LEFTOVER"}},
    )["Items"]


@pytest.mark.parametrize("turn", ["first", "second"])
def test_what_one_test_stores_and_sends_the_next_does_not_see(directory, aws, turn):
    """Run twice: whichever runs second would see the first's item, group, queue message
    and emails if the state leaked."""
    assert _items(aws) == []
    assert sent_emails() == []
    sqs = aws.client("sqs")
    queue = aws.attr("EmailQueue", "QueueUrl")
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)

    aws.client("dynamodb").put_item(
        TableName=aws.name("GroupsTable"), Item={"PK": {"S": "LEFTOVER"}, "SK": {"S": turn}}
    )
    new_group(aws)
    run_async(aws)
    sqs.send_message(QueueUrl=queue, MessageBody="{}")
    assert len(sent_emails()) == 2


def test_the_directory_is_there_again_after_a_test_changed_it(directory, aws):
    from shared.storage.directory import read_directory

    assert read_directory() == directory  # open inquiry counts included: nothing kept from other tests


@contextmanager
def answered_by_moto(handler_class: Any) -> Iterator[list[tuple[Any, Any]]]:
    """Every answer of `handler_class` made by moto's own serializer while inside, with the
    (handler, result) pairs it was asked for."""
    seen: list[tuple[Any, Any]] = []
    fast_path = handler_class.serialized

    def recording(self: Any, action_result: Any) -> Any:
        seen.append((self, action_result))
        return self._moto_serialized(action_result)

    handler_class.serialized = recording
    try:
        yield seen
    finally:
        handler_class.serialized = fast_path


def test_dynamodb_answers_are_what_motos_serializer_makes(directory, aws):
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler

    from shared.storage import group_queries, groups
    from tests.moto_state import dynamodb_answer_as_json

    new_group(aws)
    with answered_by_moto(DynamoHandler) as seen:
        [item] = group_queries.groups_in_state("CA")[0]
        groups.read_group(item.group_id)
        run_async(aws)  # the outbox's and the sender's reads and writes

    operations = {handler._get_action() for handler, _ in seen}
    assert {"Query", "PutItem", "UpdateItem"} <= operations
    for handler, action_result in seen:
        fast = dynamodb_answer_as_json(handler, action_result.result)
        if fast is None:
            continue  # left to moto: control-plane calls, errors
        _, _, motos = handler._moto_serialized(ActionResult(action_result.result))
        assert json.loads(fast[2]) == json.loads(motos), handler._get_action()


def test_stream_records_are_what_motos_serializer_makes(directory, aws):
    from moto.core.responses import ActionResult
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    from tests.moto_state import stream_records_as_json

    with answered_by_moto(DynamoDBStreamsHandler) as seen:
        new_group(aws)
        run_async(aws)  # the outbox reads the inserts through GetRecords

    answers = [(h, r) for h, r in seen if h._get_action() == "GetRecords" and r.result.get("Records")]
    assert answers
    for handler, action_result in answers:
        fast = stream_records_as_json(handler, action_result.result)
        _, _, motos = handler._moto_serialized(ActionResult(action_result.result))
        assert fast is not None
        assert json.loads(fast[2]) == json.loads(motos)


def test_a_failed_transaction_still_writes_nothing(directory, aws):
    from botocore.exceptions import ClientError

    client, table = aws.client("dynamodb"), aws.name("GroupsTable")
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": "LEFTOVER"}, "SK": {"S": "a"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"PK": {"S": "LEFTOVER"}, "SK": {"S": "b"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    assert _items(aws) == []


def test_a_failed_transaction_puts_back_what_it_updated_deleted_and_streamed(directory, aws):
    from botocore.exceptions import ClientError
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    client, table = aws.client("dynamodb"), aws.name("GroupsTable")
    for sk, n in (("kept", "1"), ("gone", "2")):
        client.put_item(TableName=table, Item={"PK": {"S": "ROLLBACK"}, "SK": {"S": sk}, "n": {"N": n}})

    def everything() -> list[dict]:
        return sorted(client.scan(TableName=table)["Items"], key=repr)

    before = everything()
    live = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[table]
    streamed = len(live.stream_shard.items)
    with pytest.raises(ClientError, match="TransactionCanceled"):
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"PK": {"S": "ROLLBACK"}, "SK": {"S": "kept"}},
                        "UpdateExpression": "SET n = :n, extra = :n",
                        "ExpressionAttributeValues": {":n": {"N": "9"}},
                    }
                },
                {"Delete": {"TableName": table, "Key": {"PK": {"S": "ROLLBACK"}, "SK": {"S": "gone"}}}},
                {"Put": {"TableName": table, "Item": {"PK": {"S": "NEW-PARTITION"}, "SK": {"S": "a"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"PK": {"S": "ROLLBACK"}, "SK": {"S": "absent"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    assert everything() == before
    assert {"n": {"N": "1"}}.items() <= next(i for i in before if i["SK"]["S"] == "kept").items()
    assert len(live.stream_shard.items) == streamed
    assert (
        client.query(
            TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "NEW-PARTITION"}}
        )["Items"]
        == []
    )


def test_a_query_answers_what_motos_own_query_does(directory, aws):
    from moto.dynamodb.models.table import Table

    for n in range(3):
        new_group(aws, f"query.{n}@example.net", city=["Fresno", "Oakland", "Eureka"][n])
    client, table = aws.client("dynamodb"), aws.name("GroupsTable")
    queries = [
        {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "DIRECTORY"}}},
        {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "DIRECTORY"}},
         "ScanIndexForward": False, "Limit": 7},
        {"KeyConditionExpression": "PK = :pk AND begins_with(SK, :o)",
         "ExpressionAttributeValues": {":pk": {"S": "DIRECTORY"}, ":o": {"S": "ORGANIZER#ac-c"}}},
        {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "NOTHING"}}},
        {"IndexName": "ByState", "KeyConditionExpression": "GSI1PK = :s",
         "ExpressionAttributeValues": {":s": {"S": "STATE#CA"}}},
        {"IndexName": "ByState", "KeyConditionExpression": "GSI1PK = :s",
         "ExpressionAttributeValues": {":s": {"S": "STATE#CA"}}, "ScanIndexForward": False, "Limit": 2},
    ]  # fmt: skip

    def pages(query: dict[str, Any]) -> list[list[dict[str, Any]]]:
        out, start = [], {}
        while True:
            answer = client.query(TableName=table, **query, **start)
            out.append(answer["Items"])
            if "LastEvaluatedKey" not in answer:
                return out
            start = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}

    ours = [pages(q) for q in queries]
    fast = Table.query, Table.all_items
    Table.query, Table.all_items = fast[0].__wrapped__, fast[1].__wrapped__
    try:
        motos = [pages(q) for q in queries]
    finally:
        Table.query, Table.all_items = fast

    assert ours == motos
    assert len(ours[0][0]) > 40  # the directory
    assert len(ours[1]) > 1  # in pages
    assert ours[3] == [[]]
    assert len(ours[4][0]) == 3
    assert len(ours[5]) == 2
