"""The local stack's JWT authorizer (local/auth.py): what API Gateway checks before a
protected route's function runs, and the cache of tokens it has verified already."""

from __future__ import annotations

import time
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.auth import Accounts, JwtVerifier, Unauthorized
from local.routes import JwtAuthorizer

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Verifier(JwtVerifier):
    """The real checks, with the signing key at hand instead of fetched from moto's JWKS;
    counts the signature checks."""

    checked = 0

    def _signing_key(self, token):
        self.checked += 1
        return KEY.public_key()


@pytest.fixture
def verifier():
    authorizer = JwtAuthorizer("OrganizerJwt", ISSUER, ("console-client",), "$request.header.Authorization")
    return Verifier(authorizer, "http://127.0.0.1:1")


def token(expires_in: float = 3600, key=KEY, **claims) -> str:
    payload = {
        "iss": ISSUER,
        "aud": "console-client",
        "email": "grace.kim@example.org",
        "cognito:groups": ["field_organizers"],
        "exp": int(time.time() + expires_in),
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def test_a_token_is_verified_once_then_its_claims_are_served_from_the_cache(verifier):
    sent = token()
    first = verifier.claims(bearer(sent))
    first["email"] = "changed by the function"  # a function's copy: the cache keeps its own
    again = [verifier.claims(bearer(sent)) for _ in range(5)]

    assert verifier.checked == 1
    assert all(c["email"] == "grace.kim@example.org" for c in again)
    assert again[0]["cognito:groups"] == "[field_organizers]"  # as API Gateway passes it on
    verifier.claims(bearer(token(email="ana@example.org")))
    assert verifier.checked == 2  # another token is checked on its own


def test_a_cached_token_is_refused_once_it_expires(verifier):
    expires = int(time.time()) + 2
    sent = token(expires_in=expires - time.time())
    assert verifier.claims(bearer(sent))["email"] == "grace.kim@example.org"

    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.claims(bearer(sent))
    assert verifier.checked == 2  # checked again, not served from the cache


@pytest.mark.parametrize(
    "sent",
    [
        token(key=OTHER_KEY),  # signed by another key
        token(aud="another-client"),
        token(iss="https://example.org/not-the-pool"),
        token(expires_in=-5),
        "not-a-jwt",
        "",
    ],
)
def test_a_bad_token_is_refused_every_time_and_never_cached(verifier, sent):
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verifier.claims(bearer(sent))
    assert verifier._verified == {}


def test_the_cache_keeps_a_bounded_number_of_tokens(verifier, monkeypatch):
    monkeypatch.setattr("local.auth.VERIFIED_TOKENS_KEPT", 3)
    sent = [token(email=f"organizer{n}@example.org") for n in range(7)]
    for value in sent:
        verifier.claims(bearer(value))
    assert len(verifier._verified) <= 3
    assert verifier.claims(bearer(sent[0]))["email"] == "organizer0@example.org"  # verified again


class FakeCognito:
    """moto's Cognito as Accounts calls it: records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name: str):
        def call(**kwargs):
            self.calls.append((name, kwargs.get("Username") or kwargs["AuthParameters"]["USERNAME"]))
            return {"AuthenticationResult": {"IdToken": f"token-of-{len(self.calls)}"}}

        return call


def test_a_demo_account_is_created_in_the_pool_at_its_first_login_only():
    cognito = FakeCognito()
    accounts = Accounts(SimpleNamespace(client=lambda service: cognito), "pool", "client")  # type: ignore[arg-type]
    organizer = SimpleNamespace(
        email="Grace.Kim@example.org", name="Grace Kim", role=SimpleNamespace(value="field_organizer"), states=("CA",)
    )
    assert accounts.seed([organizer]) >= 2  # the organizer and data/demo_accounts.yaml's
    assert cognito.calls == []  # nothing created at start
    assert any(a["email"] == "Grace.Kim@example.org" for a in accounts.listing())

    assert accounts.id_token("grace.kim@example.org ")
    created = [name for name, _ in cognito.calls]
    assert created == ["admin_create_user", "admin_set_user_password", "admin_add_user_to_group", "initiate_auth"]
    assert {user for _, user in cognito.calls} == {"Grace.Kim@example.org"}
    accounts.id_token("GRACE.KIM@example.org")
    assert [name for name, _ in cognito.calls[4:]] == ["initiate_auth"]  # created once
    assert accounts.id_token("nobody@example.org") is None
    assert len(cognito.calls) == 5


def test_a_first_login_that_failed_halfway_is_finished_by_the_next(aws):
    # given an account whose first login made the user in the pool but set no password
    accounts = Accounts.of(aws)
    assert accounts is not None
    accounts.add("half.made@example.org", "admins")
    aws.client("cognito-idp").admin_create_user(
        UserPoolId=accounts.pool_id, Username="half.made@example.org", MessageAction="SUPPRESS"
    )
    # when they log in again, then they get a token of the admins' group
    token = accounts.id_token("half.made@example.org")
    assert token
    assert jwt.decode(token, options={"verify_signature": False})["cognito:groups"] == ["admins"]
