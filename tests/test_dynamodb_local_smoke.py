"""DynamoDB Local starts from a fixture, is a real (concurrency-safe) DynamoDB, and leaves no
process behind. moto cannot be trusted with races (two winners seen), so this is the proof
that the concurrency tests built on local/dynamodb_local.py test something real.

The clients get endpoint, region and fake credentials explicitly: nothing here sets AWS_*
environment variables that could leak into the moto-based tests of the same worker."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from local.dynamodb_local import DynamoDBLocal, DynamoDBLocalUnavailable

THREADS = 50
ROUNDS = 3  # races on fresh keys; one round already caught moto, more make a fluke unlikely


def _aws_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("AWS_")}


@pytest.fixture(scope="module")
def ddb() -> Iterator[DynamoDBLocal]:
    aws_env_before = _aws_env()
    with DynamoDBLocal() as server:
        pid = server.pid
        assert pid is not None
        yield server
    # After the `with`: java (the leader of its own process group) is reaped and nothing is
    # left in its group, and no AWS_* variable was set or changed.
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    assert server.pid is None
    assert _aws_env() == aws_env_before


def _create_table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=name)


@pytest.mark.ddblocal
def test_conditional_put_race_has_exactly_one_winner(ddb: DynamoDBLocal) -> None:
    # One shared client (boto3 clients are thread-safe), a connection per thread so the puts
    # really are concurrent, and no retries: a retried put could mask or fake a result.
    client = ddb.client(config=Config(max_pool_connections=THREADS, retries={"max_attempts": 1}, read_timeout=30))
    table = f"race-{uuid.uuid4().hex[:8]}"
    _create_table(client, table)

    for round_ in range(ROUNDS):
        key = f"group#{round_}"
        barrier = threading.Barrier(THREADS)

        def attempt(contender: int, key: str = key, barrier: threading.Barrier = barrier) -> bool:
            barrier.wait(timeout=30)  # all threads fire together
            try:
                client.put_item(
                    TableName=table,
                    Item={"pk": {"S": key}, "winner": {"N": str(contender)}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
            except client.exceptions.ConditionalCheckFailedException:
                return False
            return True  # any other error propagates and fails the test

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            outcomes = list(pool.map(attempt, range(THREADS)))

        winners = [contender for contender, won in enumerate(outcomes) if won]
        assert len(winners) == 1, f"round {round_}: {len(winners)} winners {winners}"
        assert outcomes.count(False) == THREADS - 1
        stored = client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]
        assert stored["winner"] == {"N": str(winners[0])}


@pytest.mark.ddblocal
def test_endpoint_is_local_and_validates_like_dynamodb(ddb: DynamoDBLocal) -> None:
    assert ddb.endpoint_url == f"http://127.0.0.1:{ddb.port}"
    # DynamoDB Local validates as the service does: table names need 3 to 255 characters.
    client = ddb.client()
    with pytest.raises(client.exceptions.ClientError, match="between 3 and 255 characters"):
        client.describe_table(TableName="ab")


def test_missing_jar_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(DynamoDBLocalUnavailable, match="make install"):
        DynamoDBLocal(jar=tmp_path / "DynamoDBLocal.jar").start()


def test_missing_java_says_how_to_install(tmp_path: Path) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.touch()
    with pytest.raises(DynamoDBLocalUnavailable, match="make install"):
        DynamoDBLocal(java=str(tmp_path / "no-java"), jar=jar).start()
