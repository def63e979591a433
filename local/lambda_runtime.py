"""Calling a function of template.yaml in-process, the way Lambda would: its handler
module loaded from its CodeUri, its environment from the template, a Lambda context."""

from __future__ import annotations

import importlib
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local.template import ROOT


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def function_arn(stack: Any, logical_id: str) -> str:
    """The ARN the function would have in this stack (named `<stack name>-<logical id>`)."""
    resolver = stack.resolver
    return f"arn:aws:lambda:{resolver.region}:{resolver.account}:function:{resolver.stack_name}-{logical_id}"


def handler_module(function: dict[str, Any], template: dict[str, Any]) -> str:
    """`functions/intake/` + `app.handler` → `functions.intake.app`."""
    code_uri = function["Properties"]["CodeUri"].strip("/")
    handler = function["Properties"].get("Handler") or template["Globals"]["Function"]["Handler"]
    module, _, _ = handler.rpartition(".")
    path = (ROOT / code_uri / (module.replace(".", "/") + ".py")).relative_to(ROOT)
    return ".".join(path.with_suffix("").parts)


def load_handler(function: dict[str, Any], template: dict[str, Any]) -> Any:
    handler = function["Properties"].get("Handler") or template["Globals"]["Function"]["Handler"]
    module = importlib.import_module(handler_module(function, template))
    return getattr(module, handler.rpartition(".")[2])


@contextmanager
def environment(variables: dict[str, str]):
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def preload(stack: Any, logical_id: str) -> None:
    """Import a function's handler in its environment, as a Lambda cold start does."""
    with environment(stack.environment(logical_id)):
        load_handler(stack.template["Resources"][logical_id], stack.template)


def invoke(stack: Any, logical_id: str, event: dict[str, Any]) -> Any:
    """Invoke one function of the stack with one event; returns what the handler returns."""
    function = stack.template["Resources"][logical_id]
    timeout = int(function["Properties"].get("Timeout") or stack.template["Globals"]["Function"].get("Timeout", 3))
    context = LambdaContext(function_name=f"{stack.resolver.stack_name}-{logical_id}", timeout_seconds=timeout)
    with environment(stack.environment(logical_id)):
        return load_handler(function, stack.template)(event, context)
