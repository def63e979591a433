"""Fixtures: every test that touches AWS gets fresh moto resources built from template.yaml."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local.sent_mail import SentEmail, sent_emails  # noqa: F401 - what the tests import from here

# Before boto3 is imported anywhere: fake credentials, a region, and no account endpoints
# (moto's in-process DynamoDB Streams do not know them).
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",  # noqa: S105
    AWS_SESSION_TOKEN="testing",  # noqa: S105
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    POWERTOOLS_METRICS_NAMESPACE="StartAGroup",
    POWERTOOLS_SERVICE_NAME="start-a-group",
    POWERTOOLS_DEV="false",
)
for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(var, None)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


# The long tests (seconds each: DynamoDB Local races, subprocess stacks, the browser, sam
# build) run first: under xdist the run then ends on short tests on both workers instead
# of one worker finishing a 30-second race while the other idles.
LONG_MARKS = ("ddblocal", "stack", "browser", "build")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(item.get_closest_marker(mark) for mark in LONG_MARKS))


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def reset_caches() -> None:
    """Forget every lazily made client and setting (each test has its own moto)."""
    from shared import settings
    from shared.api import auth, founder_tokens
    from shared.mail import rendering, sender
    from shared.outbox import parking, publisher
    from shared.storage import table

    settings.reset()
    auth.clear_cache()
    founder_tokens.clear_cache()
    publisher._client.cache_clear()
    parking._sqs.cache_clear()
    sender._ses.cache_clear()
    sender._idempotent_sender.cache_clear()
    sender._pacer.cache_clear()
    rendering._environment.cache_clear()
    table._bound = None


@dataclass
class _World:
    """One worker's moto, with template.yaml provisioned once (tests/moto_state.py)."""

    mock: Any
    stack: Any
    fresh: Any  # MotoSnapshot: provisioned, nothing stored
    with_directory: Any = None  # MotoSnapshot: and the directory loaded
    directory: Any = None
    staged: dict[tuple[str, ...], tuple[str, Any]] = field(default_factory=dict)  # group_at_stage


@pytest.fixture(scope="session")
def _world() -> Iterator[_World]:
    import boto3
    from moto import mock_aws

    from local.provision import provision
    from tests.moto_state import (
        MotoSnapshot,
        copy_each_table_once_per_transaction,
        one_botocore_session_per_thread,
        serialize_dynamodb_answers_as_json,
    )

    copy_each_table_once_per_transaction()
    serialize_dynamodb_answers_as_json()
    one_botocore_session_per_thread()
    mock = mock_aws()
    mock.start()
    try:
        # Tests sign in as no Cognito user: staff MFA is checked by its own tests (test_auth.py).
        session = boto3.Session(region_name="us-east-1")
        stack = provision(session, stack_name="test", parameters={"RequireStaffMfa": "false"})
        world = _World(mock, stack, MotoSnapshot())
    finally:
        mock.stop(remove_data=False)
    yield world
    mock.start(reset=True)  # and drop everything at the end
    mock.stop()


@pytest.fixture
def aws(_world: _World) -> Iterator[Any]:
    """moto for every AWS service, with the resources of template.yaml created in it and
    the functions' environment variables set; every test starts from the same fresh state."""
    stack = _world.stack
    _world.mock.start(reset=False)
    _world.fresh.restore()
    reset_caches()
    saved, parameters = dict(os.environ), dict(stack.resolver.parameters)
    for logical in stack.functions():
        os.environ.update(stack.environment(logical))
    try:
        yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stack.resolver.parameters.clear()
        stack.resolver.parameters.update(parameters)
        reset_caches()
        _world.mock.stop(remove_data=False)


@pytest.fixture
def directory(aws: Any, _world: _World) -> Any:
    """The organizer directory of data/organizers.yaml, loaded."""
    from shared.storage.directory import load_directory, read_directory
    from shared.storage.directory_file import parse_directory_file
    from tests.moto_state import MotoSnapshot

    if _world.with_directory is None:
        load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
        _world.directory = read_directory()
        _world.with_directory = MotoSnapshot()
    else:
        _world.with_directory.restore()
    return _world.directory


def _environment_key() -> str:
    """What a group's build depends on besides its stage: the functions' environment
    (gate and follow-up overrides among it), not pytest's own variables."""
    return json.dumps(sorted((k, v) for k, v in os.environ.items() if not k.startswith("PYTEST_")))


@pytest.fixture
def group_at_stage(directory: Any, _world: _World) -> Iterator[Any]:
    """`at(stage, delivered=False)`: the id of a group of the default form (San Francisco,
    CA) brought to `stage` as tests/given.py does (`delivered`: and its emails sent through
    the stream and queues). Built once per worker and environment; later tests get moto
    restored to the snapshot taken right after that build (a chartered group costs ~15
    transactions on moto; a restore is a few ms). Call it before the test writes anything:
    either way moto then holds the directory and this group, nothing else."""
    from tests import given
    from tests.moto_state import MotoSnapshot
    from tests.pipeline import run_async

    called = []

    def at(stage: str, delivered: bool = False) -> str:
        called.append(stage)
        key = (stage, str(delivered), _environment_key())
        if key in _world.staged:
            group_id, snapshot = _world.staged[key]
            snapshot.restore()
            return group_id
        _world.with_directory.restore()  # the same start as every later restore
        group_id = given.group_at(_world.stack, stage)
        if delivered:
            run_async(_world.stack)
        _world.staged[key] = (group_id, MotoSnapshot())
        return group_id

    yield at
    assert called, "a test that asks for group_at_stage calls it first (nothing else restored moto)"
