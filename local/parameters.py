"""Template parameter overrides for the local stack, in `sam --parameter-overrides` format:
`PARAMETERS="IntakeRateLimitPerHour=1000 SenderEmail=me@example.org"` for `make dev` and
`make invoke`. Values may be quoted ("Name=a b" or Name="a b"); an unknown name, or a
parameter that only the local stack sets, is refused with a message naming it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

# Set by the local stack itself: its functions' clients go to its moto and DynamoDB Local.
STACK_OWNED = frozenset({"AwsEndpointUrl", "DynamoDBEndpointUrl"})
# sam also takes ParameterKey=Name,ParameterValue=Value.
_LONG_FORM = re.compile(r"^ParameterKey=([^,]+),ParameterValue=(.*)$", re.DOTALL)


class ParameterError(ValueError):
    """PARAMETERS cannot be used; the message says which entry and why."""


def parse(text: str) -> dict[str, str]:
    """`Name=Value Name2=Value2` (or sam's long form) as a dict; later entries win."""
    try:
        tokens = shlex.split(text)
    except ValueError as err:
        raise ParameterError(f"PARAMETERS cannot be read ({err}): use Name=Value Name2='a value'") from None
    out: dict[str, str] = {}
    for token in tokens:
        long_form = _LONG_FORM.match(token)
        name, sep, value = (long_form[1], "=", long_form[2]) if long_form else token.partition("=")
        if not sep or not name:
            raise ParameterError(f"PARAMETERS entry {token!r} is not Name=Value")
        out[name] = value
    return out


def check(overrides: Mapping[str, str], template: Mapping[str, Any]) -> dict[str, str]:
    """The overrides, once every name is a parameter of the template the developer may set
    and every value passes the parameter's own AllowedValues / AllowedPattern / MinValue."""
    declared: dict[str, Any] = dict(template.get("Parameters") or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ParameterError(
            f"PARAMETERS names {', '.join(unknown)}, not a parameter of template.yaml "
            f"(it has {', '.join(sorted(set(declared) - STACK_OWNED))})"
        )
    owned = sorted(set(overrides) & STACK_OWNED)
    if owned:
        raise ParameterError(f"PARAMETERS cannot set {', '.join(owned)}: the local stack sets it")
    for name, value in overrides.items():
        problem = _invalid(declared[name], value)
        if problem:
            raise ParameterError(f"PARAMETERS {name}={value!r}: {problem}")
    return dict(overrides)


def _invalid(spec: Mapping[str, Any], value: str) -> str | None:
    """Why CloudFormation would refuse `value` for this parameter, or None."""
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        return f"must be one of {', '.join(str(a) for a in allowed)}"
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        return f"must match {pattern}"
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return "must be a number"
        if "MinValue" in spec and number < float(spec["MinValue"]):
            return f"must be at least {spec['MinValue']}"
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            return f"must be at most {spec['MaxValue']}"
    return None


def from_environment(environ: Mapping[str, str], template: Mapping[str, Any]) -> dict[str, str]:
    return check(parse(environ.get("PARAMETERS", "")), template)
