"""template.yaml as data: loaded with its intrinsic-function tags, and resolved against
the physical names that a local provisioning gave each resource."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


@cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass


def resources_of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] in types}


@dataclass
class Physical:
    """What a logical id is, locally: Ref value and attributes (Arn, StreamArn, ...)."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Resolver:
    template: dict[str, Any]
    physical: dict[str, Physical]
    region: str = "us-east-1"
    account: str = "123456789012"
    stack_name: str = "local"
    parameters: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        return str(self.template.get("Parameters", {})[name]["Default"])

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def ref(self, name: str) -> str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        return self.physical[name].ref

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical, attr = value["Fn::GetAtt"]
            return self.physical[logical].attrs[attr]
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"]
            if isinstance(text, list):
                text, extra = text
            else:
                extra = {}

            def substitute(match: re.Match) -> str:
                name = match.group(1)
                if name in extra:
                    return str(self.resolve(extra[name]))
                if "." in name:
                    logical, attr = name.split(".", 1)
                    return self.physical[logical].attrs[attr]
                return self.ref(name)

            if text.startswith("{{resolve:"):
                # A dynamic reference (a secret CloudFormation reads at deploy time) has no
                # value here: locally nothing stands in front of the API to present it.
                return ""
            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return self.resolve(when_true if self.condition(name) else when_false)
        if set(value) == {"Fn::Join"}:
            sep, parts = value["Fn::Join"]
            return sep.join(str(self.resolve(p)) for p in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def condition(self, name: str) -> bool:
        """A condition of the template's Conditions (Fn::Equals, Not, And, Or, Condition)."""
        return self._holds(self.template["Conditions"][name])

    def _holds(self, expression: Any) -> bool:
        [(fn, args)] = expression.items()
        if fn == "Fn::Equals":
            return str(self.resolve(args[0])) == str(self.resolve(args[1]))
        if fn == "Fn::Not":
            return not self._holds(args[0])
        if fn == "Fn::And":
            return all(self._holds(a) for a in args)
        if fn == "Fn::Or":
            return any(self._holds(a) for a in args)
        if fn == "Condition":
            return self.condition(args)
        raise ValueError(f"condition function not supported locally: {fn}")

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The environment a function gets in AWS: Globals merged with its own."""
        glob = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        own = self.template["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        return {k: str(self.resolve(v)) for k, v in {**glob, **own}.items()}
