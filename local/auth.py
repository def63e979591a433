"""Organizer sign-in on the local stack: demo accounts in the template's user pool, ID
tokens for them (POST /_local/login), and the check that API Gateway's JWT authorizer
makes before a protected route's function runs."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
import yaml
from botocore.exceptions import ClientError

from local.provision import Stack
from local.routes import JwtAuthorizer
from local.template import ROOT, resources_of_type

DEMO_ACCOUNTS = ROOT / "data" / "demo_accounts.yaml"
# The Cognito group of each directory role (DESIGN §2: role from the cognito:groups claim).
ROLE_GROUPS = {"field_organizer": "field_organizers", "area_coordinator": "area_coordinators"}


VERIFIED_TOKENS_KEPT = 1024


class Unauthorized(Exception):
    """API Gateway would answer 401 without invoking the function."""


@dataclass
class Accounts:
    """The demo accounts of the template's user pool. They share one random password that
    never leaves this process: people log in with POST /_local/login instead. Each is
    created in the pool at its first login: creating them all at start (three calls to
    moto's Cognito each, for every organizer) held back `make dev`'s ready time."""

    stack: Stack
    pool_id: str
    client_id: str
    _password: str = field(default_factory=lambda: secrets.token_urlsafe(18) + "Aa1!", repr=False)
    _groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # casefolded email → (username, group)
    _created: set[str] = field(default_factory=set)  # usernames in the pool already
    _creating: threading.Lock = field(default_factory=threading.Lock)
    _listing: list[dict[str, Any]] = field(default_factory=list)  # what the console's sign-in lists

    @classmethod
    def of(cls, stack: Stack) -> Accounts | None:
        """The accounts of the template's user pool and its app client; None without a pool."""
        pools = list(resources_of_type(stack.template, "AWS::Cognito::UserPool"))
        if not pools:
            return None
        if len(pools) > 1:
            raise ValueError(f"the local stack signs in to one user pool; the template has {pools}")
        clients = [
            logical
            for logical, res in resources_of_type(stack.template, "AWS::Cognito::UserPoolClient").items()
            if res["Properties"].get("UserPoolId") == {"Ref": pools[0]}
        ]
        if not clients:
            raise ValueError(f"user pool {pools[0]} has no UserPoolClient in the template")
        return cls(stack, stack.name(pools[0]), stack.name(clients[0]))

    def add(self, email: str, group: str) -> None:
        """An account that can log in (created in the pool when it first does)."""
        self._groups[email.casefold()] = (email, group)

    def _create(self, username: str, group: str) -> None:
        """The user, its password and group; each step may be taken again, so a first login
        that failed halfway (the user made, the password not set) is finished by the next."""
        cognito = self.stack.client("cognito-idp")
        try:
            cognito.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}],
                MessageAction="SUPPRESS",
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "UsernameExistsException":
                raise
        cognito.admin_set_user_password(
            UserPoolId=self.pool_id, Username=username, Password=self._password, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)

    def seed(self, organizers: Iterable[Any]) -> int:
        """Every organizer in their role's group, plus the accounts of data/demo_accounts.yaml."""
        for organizer in organizers:
            self.add(organizer.email, ROLE_GROUPS[organizer.role.value])
            self._listing.append(
                {
                    "email": organizer.email,
                    "name": organizer.name,
                    "role": organizer.role.value,
                    "states": list(organizer.states),
                }
            )
        for account in yaml.safe_load(DEMO_ACCOUNTS.read_text())["accounts"]:
            self.add(account["email"], account["group"])
            self._listing.append(
                {"email": account["email"], "name": account.get("name", ""), "role": account["group"], "states": []}
            )
        return len(self._groups)

    def listing(self) -> list[dict[str, Any]]:
        """The seeded accounts, admins first, for the console's dev-only sign-in (GET /_local/accounts)."""
        order = {"admins": 0, "field_organizer": 1, "area_coordinator": 2}
        return sorted(self._listing, key=lambda a: (order.get(a["role"], 3), a["name"] or a["email"]))

    def id_token(self, email: str) -> str | None:
        """An ID token for a seeded account (None for any other email), through the
        USER_PASSWORD_AUTH flow that the template's app client allows."""
        account = self._groups.get(email.strip().casefold())
        if account is None:
            return None
        username, group = account
        with self._creating:  # two first logins at once create the account once
            if username not in self._created:
                self._create(username, group)
                self._created.add(username)
        result = self.stack.client("cognito-idp").initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": self._password},
        )
        return result["AuthenticationResult"]["IdToken"]


def gateway_claims(payload: dict[str, Any]) -> dict[str, str]:
    """Claims as an HTTP API JWT authorizer hands them to the function: every value a
    string, lists as "[a b]" (so cognito:groups arrives as "[admins]", not a list)."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    return {name: text(value) for name, value in payload.items()}


@dataclass
class JwtVerifier:
    """API Gateway's JWT authorizer: a bearer token signed by a key of the issuer's JWKS,
    from that issuer, for one of the audiences, not expired."""

    authorizer: JwtAuthorizer
    aws_endpoint_url: str
    _jwks: jwt.PyJWKClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Tokens verified already, with their claims and expiry: a console page sends the same
    # token with each of its requests, and its RS256 signature need not be checked again.
    # An entry is used only until the token's `exp`.
    _verified: dict[str, tuple[dict[str, str], float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.authorizer.identity_source.startswith("$request.header."):
            raise ValueError(f"authorizer {self.authorizer.name}: only header identity sources are emulated")

    def jwks_url(self) -> str:
        """A Cognito issuer's keys are served by the local Cognito (moto), under the pool id."""
        issuer = urlsplit(self.authorizer.issuer)
        host = issuer.hostname or ""
        if host.startswith("cognito-idp.") and host.endswith(".amazonaws.com"):
            return f"{self.aws_endpoint_url}{issuer.path}/.well-known/jwks.json"
        return f"{self.authorizer.issuer.rstrip('/')}/.well-known/jwks.json"

    def _signing_key(self, token: str) -> Any:
        with self._lock:
            if self._jwks is None:
                self._jwks = jwt.PyJWKClient(self.jwks_url(), timeout=5)
        return self._jwks.get_signing_key_from_jwt(token).key

    def claims(self, headers: dict[str, str]) -> dict[str, str]:
        """The verified claims (as API Gateway passes them on); `headers` lower-cased."""
        header = self.authorizer.identity_source.removeprefix("$request.header.").lower()
        value = headers.get(header, "").strip()
        token = value[7:].strip() if value[:7].lower() == "bearer " else value
        if not token:
            raise Unauthorized(f"Send a token from POST /_local/login as `{header}: Bearer <token>`.")
        verified = self._verified.get(token)
        if verified is not None and time.time() < verified[1]:
            return dict(verified[0])
        claims, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()  # a long-running stack's old tokens: verified again when sent
        self._verified[token] = (claims, expires)
        return dict(claims)

    def _verify(self, token: str) -> tuple[dict[str, str], float]:
        """The token's claims and expiry (epoch seconds), or Unauthorized saying why not."""
        try:
            payload = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=["RS256"],
                issuer=self.authorizer.issuer,
                options={"verify_aud": False, "require": ["exp", "iss"]},
            )
        except jwt.PyJWTError as err:
            raise Unauthorized(f"The token was refused: {err}.") from None
        # ID tokens name the client in `aud`, access tokens in `client_id`; both are accepted.
        audience = payload.get("aud", payload.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        if not set(audiences) & set(self.authorizer.audience):
            raise Unauthorized("The token was issued for another client.")
        return gateway_claims(payload), float(payload["exp"])
