"""Cold start discipline: what a handler imports in a fresh interpreter. Speeds are measured
by bench/cold_start.py; this holds the imports that decide them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = {"pydantic", "boto3", "jinja2", "email_validator", "phonenumbers", "yaml", "aws_xray_sdk", "moto"}


def imported_by(module: str) -> set[str]:
    probe = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT", "PYTEST"))}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return set(json.loads(out.stdout.strip().splitlines()[-1])) & HEAVY


@pytest.mark.parametrize("function", ["intake", "organizers", "nearby"])
def test_the_public_functions_import_nothing_heavy_at_cold_start(function):
    # The form's applicants wait for these cold starts: no pydantic (three quarters of
    # `import boto3`), no boto3 (pynamodb's botocore is enough), no templates; the form's
    # email and phone checks are imported by the first request that needs them.
    assert imported_by(f"functions.{function}.app") == set()


def test_the_email_sender_loads_its_templates_only_when_it_sends():
    assert "jinja2" not in imported_by("functions.email_sender.app")
