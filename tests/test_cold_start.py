"""Cold start discipline: what a handler imports in a fresh interpreter. Speeds are measured
by bench/cold_start.py; this holds the imports that decide them."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = {"pydantic", "boto3", "jinja2", "email_validator", "phonenumbers", "yaml", "aws_xray_sdk", "moto"}


@functools.cache
def modules_after_import(module: str) -> frozenset[str]:
    """Every module a fresh interpreter holds once it has imported `module`; one interpreter
    per module and worker, whichever tests ask (each costs a handler's whole cold import)."""
    probe = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "PYTEST"))}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return frozenset(json.loads(out.stdout.strip().splitlines()[-1]))


def imported_by(module: str) -> set[str]:
    return {m.split(".")[0] for m in modules_after_import(module)} & HEAVY


@pytest.mark.parametrize("function", ["intake", "organizers", "nearby"])
def test_the_public_functions_import_nothing_heavy_at_cold_start(function):
    # The form's applicants wait for these cold starts: no pydantic (three quarters of
    # `import boto3`), no boto3 (pynamodb's botocore is enough), no templates; the form's
    # email and phone checks are imported by the first request that needs them.
    assert imported_by(f"functions.{function}.app") == set()


def test_the_email_sender_loads_its_templates_only_when_it_sends():
    assert "jinja2" not in imported_by("functions.email_sender.app")


@pytest.mark.parametrize("function", ["groups", "founder", "reports", "follow_ups", "weekly_digest", "ses_events"])
def test_the_organizer_and_scheduled_functions_read_requests_with_pydantic_only_when_one_comes(function):
    # The request models (shared/parsing/organizer.py) are imported by the first request
    # that has a body or a query to read; the scheduled runs never read one.
    assert "pydantic" not in imported_by(f"functions.{function}.app")


def loaded_by(module: str, *candidates: str) -> set[str]:
    return set(candidates) & modules_after_import(module)


POWERTOOLS_MACHINERY = (
    "asyncio",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
)


@pytest.mark.parametrize("function", ["email_sender", "ses_events", "inquiry_store", "groups", "founder"])
def test_the_functions_route_and_report_batches_without_powertools_machinery(function):
    # Powertools' resolver and batch processor bring asyncio and every event data class (a
    # third of a function's import); shared/api/problems.py's Router routes the API
    # functions' requests and shared/batch.py answers a queue's partial batch.
    assert loaded_by(f"functions.{function}.app", *POWERTOOLS_MACHINERY) == set()


@pytest.mark.parametrize("function", ["outbox", "email_sender"])
def test_the_event_functions_import_no_pydantic(function):
    # The domain events are plain dataclasses (shared/outbox/events.py).
    assert "pydantic" not in imported_by(f"functions.{function}.app")


@pytest.mark.parametrize("function", ["follow_ups", "weekly_digest"])
def test_the_scheduled_runs_load_the_move_and_erasure_code_only_when_a_group_needs_it(function):
    # Most daily runs close and erase no group, and the weekly digest never does.
    assert loaded_by(f"functions.{function}.app", "shared.usecases.moves", "shared.usecases.erasure") == set()


def test_no_handler_builds_its_stores_at_import():
    # shared/storage/stores.py builds DynamoDB's stores on the first use case that asks.
    handlers = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
    probe = (
        f"import importlib, sys; [importlib.import_module(f'functions.{{h}}.app') for h in {handlers!r}]; "
        "print(sorted(m for m in ('shared.storage.dynamodb_stores',) if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "PYTEST"))}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert len(handlers) >= 10
    assert out.stdout.strip().splitlines()[-1] == "[]"
