"""DynamoDB Local for the tests that race writers against a real DynamoDB (moto is not
concurrency-safe: TOOLS.md). One server per pytest worker, started on a free port by the
first test that asks and stopped at the end of the session (the `ddblocal` tests run on one
worker: tests/conftest.py's xdist groups); fresh tables of template.yaml for each test,
with pynamodb and boto3 pointed at them and the organizer directory loaded.

The table's botocore client is made before the test starts its threads, as in a warm
function. Before the item types shared one client (shared/storage/table.py), twenty threads
each building theirs at the barrier spent ~19 s on 60 clients and reached DynamoDB seconds
apart; the first to need the shared client still builds it while the others wait.

    from tests import ddblocal

    @pytest.fixture
    def real_dynamodb(dynamodb_local, monkeypatch):
        with ddblocal.fresh_tables(dynamodb_local, monkeypatch) as resolver:
            yield resolver

(`dynamodb_local` is defined in tests/conftest.py: one fixture for every module, so one
server for the worker rather than one per module that names it.)
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.dynamodb_local import DynamoDBLocal
from local.provision import tables_only
from shared.storage.directory import load_directory
from shared.storage.directory_file import parse_directory_file
from shared.storage.table import bind
from tests.conftest import ROOT, reset_caches

FIXED_TOKEN_KEYS = {"id": "ddblocal", "key": "d" * 64}


@contextlib.contextmanager
def fresh_tables(
    server: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch, *, gate_overrides: dict[str, int] | None = None
) -> Iterator[Any]:
    """Fresh tables of template.yaml in `server`, pynamodb and boto3 pointed at them, and
    the organizer directory loaded; yields the resolver that names the tables.
    `gate_overrides`: GATE_OVERRIDES for the test (None: the seed's defaults)."""
    resolver = tables_only(server.client(), f"race-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", server.endpoint_url)
    monkeypatch.setenv("TABLE_NAME", resolver.ref("GroupsTable"))
    if gate_overrides is None:
        monkeypatch.delenv("GATE_OVERRIDES", raising=False)
    else:
        monkeypatch.setenv("GATE_OVERRIDES", json.dumps(gate_overrides))
    monkeypatch.setenv("RATE_LIMIT_PER_HOUR", "1000")
    # No Secrets Manager beside DynamoDB Local: the token and rate-limit keys are fixed.
    monkeypatch.setattr("shared.api.founder_tokens._fetch", lambda force=False: FIXED_TOKEN_KEYS)
    reset_caches()  # shared.storage.table.bind() re-creates the pynamodb connections
    load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
    warm_clients()
    try:
        yield resolver
    finally:
        reset_caches()


def warm_clients() -> None:
    """Make the table's botocore client now, in this thread, so threads started later find
    it made. (Not one botocore session per thread here: one made before moto is imported
    would lack moto's hooks, and a moto test later on this worker would reach AWS.)"""
    item = bind()
    for model in (item, *item.__subclasses__()):
        model._get_connection().connection.client  # noqa: B018 - made on first access
