"""Organizer request bodies read by their pydantic model, imported at the first request that reads one.

pydantic's import costs about three quarters of `import boto3`: the functions that parse
organizer requests pay it on their first request, and the scheduled functions never do.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any


def parse_as(model: str, payload: Mapping[str, Any], **context: Any) -> Any:
    """`payload` read by the model named "<module of shared.parsing>.<class>", e.g.
    "organizer.MemberRequest"; a ValidationFailed (422) when it does not fit."""
    module, _, name = model.rpartition(".")
    from shared.parsing.organizer import parse  # lazy: cold start (pydantic)

    return parse(getattr(import_module(f"shared.parsing.{module}"), name), payload, **context)
