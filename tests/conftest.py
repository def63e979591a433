"""Fixtures: every test that touches AWS gets fresh moto resources built from template.yaml."""

from __future__ import annotations

import copy
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator
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

# pytest keeps each test module's rewritten assertions as bytecode in __pycache__ (ignored by
# git) unless the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE, common in
# containers); then every worker parsed and rewrote every test module again, ~2 s of CPU
# each of the ~5 s a collection takes. The tests write it whatever the environment says.
sys.dont_write_bytecode = False

# A worker holds moto's provisioned stack, its snapshots and every module the functions
# import: hundreds of thousands of objects that live as long as the worker. Python's
# default thresholds (700 allocations) ran a young collection every few moto calls and a
# full one, walking all of them, every few seconds: ~9 % of a moto test's time. Collections
# now come after 50,000 allocations; what the worker built before its tests is frozen
# (`gc.freeze` in `_world`), out of every collection's walk.
gc.set_threshold(50_000, 50, 100)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


# The long tests (seconds each: DynamoDB Local races, subprocess stacks, the browser, sam
# build) run first: under xdist the run then ends on short tests on both workers instead
# of one worker finishing a 30-second race while the other idles.
LONG_MARKS = ("ddblocal", "stack", "browser", "build")
# Longest first (LPT): the races and the build are the two longest groups, so the two
# workers start on those and the stack modules follow on whichever worker frees up first.
LONG_ORDER = ("ddblocal", "build", "browser", "stack")
# Modules whose cost per worker is paid again on each worker, run whole on one worker too:
# the IAM tour of every function (`test_aws_calls.py`, ~80 s) ran once on each worker; the
# cold imports of `test_cold_start.py` are one interpreter per handler and worker.
WHOLE_MODULES = ("test_aws_calls", "test_cold_start")


def xdist_group_of(item: pytest.Item) -> str | None:
    """What must run whole on one worker (pyproject's `--dist loadgroup`): the races (one
    DynamoDB Local per worker, `tests/ddblocal.py`), `sam build` (one build), and each
    module that starts a local stack (one stack per module). Under plain `load` the tests of
    a module were spread over both workers, and each worker ran the module's fixture."""
    for mark in ("ddblocal", "build"):
        if item.get_closest_marker(mark):
            return mark
    if item.get_closest_marker("stack") or item.get_closest_marker("browser") or _whole(item):
        return item.path.stem
    return None


def _whole(item: pytest.Item) -> bool:
    """In WHOLE_MODULES and paying its cost: of `test_aws_calls.py`, the tests of the tour
    only (its call-counting tests go to either worker)."""
    if item.path.stem == "test_aws_calls":
        return "tour" in getattr(item, "fixturenames", ())
    return item.path.stem in WHOLE_MODULES


def _long_rank(item: pytest.Item) -> int:
    if _whole(item):
        return LONG_ORDER.index("stack")
    return next((i for i, mark in enumerate(LONG_ORDER) if item.get_closest_marker(mark)), len(LONG_ORDER))


def _join_group(item: pytest.Item, group: str) -> None:
    """What xdist 3.8 does for an `xdist_group` mark under `--dist loadgroup`: the group's
    name after an `@` at the end of the test's id, which the scheduler reads. xdist writes
    `item._nodeid`, which pytest 9 no longer reads (the id is `item._id`, a NodeId), so the
    mark alone leaves every test in a group of its own."""
    from _pytest.nodeid import NodeId

    if not item.nodeid.endswith(f"@{group}"):
        item._id = NodeId.parse(f"{item.nodeid}@{group}")
    assert item.nodeid.endswith(f"@{group}"), "pytest's test ids changed: see _join_group"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
            if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
                _join_group(item, group)
    items.sort(key=_long_rank)  # stable: within a rank, collection order (a module's tests together)


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def reset_caches() -> None:
    """Forget every lazily made client and setting (each test has its own moto)."""
    from shared import settings
    from shared.api import auth, founder_tokens
    from shared.mail import sender
    from shared.outbox import parking, publisher
    from shared.storage import table
    from tests.pipeline import forget_stream_positions

    forget_stream_positions()
    settings.reset()
    auth.clear_cache()
    founder_tokens.clear_cache()
    publisher._client.cache_clear()
    parking._sqs.cache_clear()
    sender._ses.cache_clear()
    sender._idempotent_sender.cache_clear()
    sender._pacer.cache_clear()
    table._bound = None


@dataclass
class _World:
    """One worker's moto, with template.yaml provisioned once (tests/moto_state.py)."""

    mock: Any
    stack: Any
    fresh: Any  # MotoSnapshot: provisioned, nothing stored
    with_directory: Any = None  # MotoSnapshot: and the directory loaded
    directory: Any = None
    built: dict[tuple[str, ...], tuple[Any, Any, Any]] = field(default_factory=dict)  # built_once
    on: bool = False  # moto started (`aws`)


@pytest.fixture(scope="session")
def _world() -> Iterator[_World]:
    import boto3
    from moto import mock_aws

    from local import moto_speedups
    from local.provision import provision
    from local.stack import LOCAL_SES_MAX_SEND_RATE
    from tests.moto_state import (
        MotoSnapshot,
        method_names_listed_once_per_class,
        no_signatures_under_moto,
        one_botocore_session_per_thread,
        one_client_per_service_under_moto,
        query_reads_only_its_partition,
        roll_back_only_what_a_transaction_touches,
        serialize_dynamodb_answers_as_json,
        stream_records_shared_by_copies,
    )

    moto_speedups.apply()
    roll_back_only_what_a_transaction_touches()
    serialize_dynamodb_answers_as_json()
    one_botocore_session_per_thread()
    one_client_per_service_under_moto()
    query_reads_only_its_partition()
    method_names_listed_once_per_class()
    stream_records_shared_by_copies()
    no_signatures_under_moto()
    mock = mock_aws()
    mock.start()
    try:
        # Tests sign in as no Cognito user: staff MFA is checked by its own tests (test_auth.py).
        # SES's send rate is the local stack's (1,000 a second): at the default 14 the sender
        # slept ~0.14 s between two emails of a batch (wall time, in every test that sends
        # mail); the pacing itself is tested with a clock of its own (test_deliverability.py).
        session = boto3.Session(region_name="us-east-1")
        parameters = {"RequireStaffMfa": "false", "SesMaxSendRate": LOCAL_SES_MAX_SEND_RATE}
        stack = provision(session, stack_name="test", parameters=parameters)
        world = _World(mock, stack, MotoSnapshot())
        _worlds.append(world)
    finally:
        mock.stop(remove_data=False)
    gc.freeze()
    yield world
    if world.on:
        mock.stop(remove_data=False)
    mock.start(reset=True)  # and drop everything at the end
    mock.stop()


# The worker's moto stays started from one moto test to the next (starting it patches
# botocore and registers a mock for every AWS endpoint: ~10 ms a test); it stops before any
# other test. `pytest_runtest_teardown` notes whether the next test asks for `aws`.
_moto_stays_on: list[bool] = [False]


_worlds: list[_World] = []  # this worker's, once made


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    _moto_stays_on[0] = nextitem is not None and "aws" in getattr(nextitem, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test without `aws` never runs under moto, even when the moto test it was kept on for
    did not set `aws` up (skipped, or an earlier fixture failed)."""
    if "aws" in getattr(item, "fixturenames", ()):
        return
    for world in _worlds:
        if world.on:
            world.mock.stop(remove_data=False)
            world.on = False


@pytest.fixture
def aws(_world: _World, request: pytest.FixtureRequest) -> Iterator[Any]:
    """moto for every AWS service, with the resources of template.yaml created in it and
    the functions' environment variables set; every test starts from the same fresh state
    (restored here, or by `directory` or `built_once` when the test asks for them: one
    restore a test)."""
    stack = _world.stack
    if not _world.on:
        _world.mock.start(reset=False)
        _world.on = True
    if "directory" not in request.fixturenames:
        _world.fresh.restore()
    reset_caches()  # and the stream's positions (tests/pipeline.py)
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
        if not _moto_stays_on[0]:
            _world.mock.stop(remove_data=False)
            _world.on = False


@pytest.fixture
def directory(aws: Any, _world: _World, request: pytest.FixtureRequest) -> Any:
    """The organizer directory of data/organizers.yaml, loaded."""
    from shared.storage.directory import load_directory, read_directory
    from shared.storage.directory_file import parse_directory_file
    from tests.moto_state import MotoSnapshot

    if _world.with_directory is None:
        _world.fresh.restore()
        load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
        _world.directory = read_directory()
        _world.with_directory = MotoSnapshot()
    elif "built_once" not in request.fixturenames:  # built_once's `once` restores its own
        _world.with_directory.restore()
    return _world.directory


@pytest.fixture
def memory() -> Iterator[Any]:
    """The in-memory store (tests/memory_store.py) installed for the use cases, knowing the
    directory's organizers; no AWS at all (tests/in_memory.py makes groups in it). Settings
    are the defaults unless the test sets the environment before it calls a use case."""
    from shared import settings
    from shared.storage.stores import installed
    from tests import in_memory

    settings.reset()
    store = in_memory.store()
    with installed(store.stores()):
        yield store
    settings.reset()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The worker's Chromium (tests/browser_pages.py), launched by the first page test that
    asks; every page test opens a context of its own in it."""
    from tests.browser_pages import chromium

    yield from chromium()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[Any]:
    """The worker's DynamoDB Local (tests/ddblocal.py): started by the first race that asks,
    stopped at the end of the session; each test makes its own tables in it."""
    from local.dynamodb_local import DynamoDBLocal

    with DynamoDBLocal() as server:
        yield server


def _environment_key() -> str:
    """What a group's build depends on besides its stage: the functions' environment
    (gate and follow-up overrides among it), not pytest's own variables."""
    return json.dumps(sorted((k, v) for k, v in os.environ.items() if not k.startswith("PYTEST_")))


@pytest.fixture
def built_once(directory: Any, _world: _World) -> Iterator[Any]:
    """`once(name, build)`: what `build(stack)` returned, with moto as it was right after
    that build. The first call on a worker (and environment) runs the build from the
    directory alone and snapshots moto; later calls restore the snapshot (a few ms instead
    of the build's transactions and email hops). `build` must depend on nothing but moto
    and the environment; call `once` before the test writes anything: either way moto
    then holds the directory and what `build` made, nothing else (until `once` is called,
    moto holds what the last test left: `directory` leaves the restore to it)."""
    from tests.moto_state import MotoSnapshot
    from tests.pipeline import forget_stream_positions, stream_positions

    called = []

    def once(name: str, build: Callable[[Any], Any]) -> Any:
        called.append(name)
        key = (name, _environment_key())
        if key in _world.built:
            result, snapshot, positions = _world.built[key]
            snapshot.restore()
            forget_stream_positions(copy.deepcopy(positions))
            return result
        _world.with_directory.restore()  # the same start as every later restore
        forget_stream_positions()
        result = build(_world.stack)
        _world.built[key] = (result, MotoSnapshot(), copy.deepcopy(stream_positions()))
        return result

    yield once
    assert called, "a test that asks for built_once calls it first (nothing else restored moto)"


@pytest.fixture
def group_at_stage(built_once: Any) -> Iterator[Any]:
    """`at(stage, delivered=False)`: the id of a group of the default form (San Francisco,
    CA) brought to `stage` as tests/given.py does (`delivered`: and its emails sent through
    the stream and queues), built once per worker (`built_once`: a chartered group costs
    ~15 transactions on moto; a restore is a few ms)."""
    from tests import given
    from tests.pipeline import run_async

    called = []

    def at(stage: str, delivered: bool = False) -> str:
        called.append(stage)

        def build(stack: Any) -> str:
            group_id = given.group_at(stack, stage)
            if delivered:
                run_async(stack)
            return group_id

        return built_once(f"group_at_stage:{stage}:{delivered}", build)

    yield at
    assert called, "a test that asks for group_at_stage calls it first (nothing else restored moto)"
