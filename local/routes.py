"""The HTTP APIs of template.yaml as a route table: which function serves a request, with
which path parameters, and which JWT authorizer (if any) API Gateway puts in front of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from local.provision import Stack
from local.template import resources_of_type


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str


@dataclass(frozen=True)
class Route:
    function: str
    event: str  # the event's logical name in the template
    method: str  # GET, POST, ... or ANY
    path: str  # as declared, e.g. /groups/{group_id}
    api: str | None  # logical id of the HttpApi (None: SAM's implicit one)
    authorizer: str | None  # name of the authorizer in front of it; None when public

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def _pattern(self) -> tuple[re.Pattern[str], list[str]]:
        names: list[str] = []

        def segment(part: str) -> str:
            param = re.fullmatch(r"\{([^}+]+)(\+?)\}", part)
            if not param:
                return re.escape(part)
            names.append(param.group(1))
            return "(.+)" if param.group(2) else "([^/]+)"

        return re.compile("/".join(segment(p) for p in self.path.split("/"))), names

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route serves `method path`, else None."""
        if self.method not in ("ANY", method):
            return None
        pattern, names = self._pattern
        found = pattern.fullmatch(path)
        return dict(zip(names, found.groups(), strict=True)) if found else None

    def specificity(self) -> tuple[int, int, bool]:
        """API Gateway prefers literal segments over parameters, parameters over greedy ones,
        and a method over ANY."""
        parts = self.path.split("/")
        return (
            sum("+}" in p for p in parts),
            -sum(not p.startswith("{") for p in parts),
            self.method == "ANY",
        )


def _api_auth(template: dict[str, Any], api: str | None) -> dict[str, Any]:
    glob = (template.get("Globals") or {}).get("HttpApi") or {}
    props = (template["Resources"][api].get("Properties") or {}) if api else {}
    return props.get("Auth") or glob.get("Auth") or {}


def routes(template: dict[str, Any]) -> list[Route]:
    """Every HttpApi event of every function, most specific first."""
    table = []
    for logical, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for name, event in (function["Properties"].get("Events") or {}).items():
            if event["Type"] != "HttpApi":
                continue
            props = event.get("Properties") or {}
            api_ref = props.get("ApiId")
            api = api_ref["Ref"] if isinstance(api_ref, dict) else None
            authorizer = (props.get("Auth") or {}).get("Authorizer") or _api_auth(template, api).get(
                "DefaultAuthorizer"
            )
            method = str(props.get("Method", "ANY")).upper()
            path = props.get("Path", "/{proxy+}")
            table.append(Route(logical, name, method, path, api, None if authorizer == "NONE" else authorizer))
    return sorted(table, key=Route.specificity)


def find(table: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in table:
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None


def jwt_authorizer(stack: Stack, route: Route) -> JwtAuthorizer:
    """The resolved configuration of the JWT authorizer in front of `route`."""
    config = _api_auth(stack.template, route.api)["Authorizers"][route.authorizer]
    if "JwtConfiguration" not in config:
        raise ValueError(f"authorizer {route.authorizer}: only JWT authorizers are emulated locally")
    jwt = stack.resolver.resolve(config["JwtConfiguration"])
    return JwtAuthorizer(
        name=str(route.authorizer),
        issuer=jwt["issuer"],
        audience=tuple(jwt.get("audience") or ()),
        identity_source=config.get("IdentitySource", "$request.header.Authorization"),
    )
