"""Fixtures: every test that touches AWS gets fresh moto resources built from template.yaml."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.outbox import SentEmail, sent_emails  # noqa: F401 - what the tests import from here

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


def sample_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def reset_caches() -> None:
    """Forget every lazily made client and setting (each test has its own moto)."""
    from shared import auth, mailer, notifications, publisher, settings, table

    settings.reset()
    auth.clear_cache()
    publisher._client.cache_clear()
    mailer._ses.cache_clear()
    mailer._idempotent_sender.cache_clear()
    notifications._environment.cache_clear()
    table._bound = None


@pytest.fixture
def aws() -> Iterator[Any]:
    """moto for every AWS service, with the resources of template.yaml created in it and
    the functions' environment variables set."""
    import boto3
    from moto import mock_aws

    from local.provision import provision

    with mock_aws():
        reset_caches()
        stack = provision(boto3.Session(region_name="us-east-1"), stack_name="test")
        saved = dict(os.environ)
        for logical in stack.functions():
            os.environ.update(stack.environment(logical))
        try:
            yield stack
        finally:
            os.environ.clear()
            os.environ.update(saved)
            reset_caches()


@pytest.fixture
def directory(aws: Any) -> Any:
    """The organizer directory of data/organizers.yaml, loaded."""
    from shared.directory import load_directory, parse_directory_file, read_directory

    load_directory(parse_directory_file((ROOT / "data" / "organizers.yaml").read_text()))
    return read_directory()
