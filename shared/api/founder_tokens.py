"""The founder's magic links (DESIGN §2b): signed tokens naming one group, and the other
keyed hashes made with the same secret store (the intake's rate-limit key).

A token is `<payload>.<signature>`, both base64url without padding. The payload is compact
JSON: `g` the group id, `p` the purpose ("status" for the founder's page, "unsubscribe" for
the one-click unsubscribe URL), `k` the id of the key that signed it, `exp` when it expires
(Unix seconds). The signature is HMAC-SHA256 of the payload's base64 text with that key.
Nothing personal is in a token.

Keys live in one Secrets Manager secret (created by template.yaml), as JSON:
  {"id": "k1", "key": "<random>"}                       as the template generates it, or
  {"keys": [{"id": "k2", "key": "..."}, {"id": "k1", "key": "..."}]}   after a rotation.
The first key signs; every key listed verifies. Rotating = putting a new value with a new
key first and the previous one(s) after it, for as long as links they signed may still be
young (the token lifetime). scripts/rotate_token_key.py does exactly that. The secret is
fetched with Powertools parameters and cached per container (MAX_AGE); a token naming a
key this container has not seen yet makes it fetch again (at most once a minute).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared import settings
from shared.domain.errors import NotAuthenticated

STATUS = "status"
UNSUBSCRIBE = "unsubscribe"
PURPOSES = (STATUS, UNSUBSCRIBE)
MAX_AGE = 600  # seconds a container keeps the keys before fetching them again
REFETCH_AT_MOST_EVERY = 60  # seconds: an unknown key id makes a container fetch again
MAX_TOKEN_LENGTH = 512

_last_forced = 0.0


@dataclass(frozen=True)
class Keys:
    """The keys the secret lists: the first signs, every one verifies (found by its id)."""

    signing: SigningKey
    by_id: dict[str, SigningKey]


@dataclass(frozen=True)
class SigningKey:
    """One key: its id (a token's `k`) and its secret bytes."""

    key_id: str
    secret: bytes


def parse_keys(value: Any) -> Keys:
    """The secret's JSON (either form above) as keys; the first one signs."""
    if isinstance(value, str):
        value = json.loads(value)
    listed = value.get("keys") if isinstance(value, dict) and "keys" in value else [value]
    keys = []
    for entry in listed or []:
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("key"), str)):
            raise ValueError("the token secret must hold {id, key} entries")
        if len(entry["key"]) < 32:
            raise ValueError("a token key must be at least 32 characters")
        keys.append(SigningKey(entry["id"], entry["key"].encode()))
    if not keys:
        raise ValueError("the token secret holds no key")
    return Keys(keys[0], {k.key_id: k for k in keys})


def _fetch(force: bool = False) -> Any:
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_secret(settings.founder().token_secret_id, max_age=MAX_AGE, force_fetch=force)


def keys(force: bool = False) -> Keys:
    return parse_keys(_fetch(force))


def clear_cache() -> None:
    """Forget fetched keys (tests use a new moto per case)."""
    global _last_forced
    _last_forced = 0.0
    try:
        from aws_lambda_powertools.utilities import parameters
    except ImportError:  # pragma: no cover
        return
    parameters.clear_caches()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: SigningKey, payload: str) -> str:
    return _b64(hmac.new(key.secret, payload.encode("ascii"), hashlib.sha256).digest())


def issue(group_id: str, now: datetime, purpose: str = STATUS, days: int | None = None) -> str:
    """A token for `group_id`, valid `days` (the configured lifetime of its purpose unless
    given: an unsubscribe token lives much longer, as it can only stop email)."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    config = settings.founder()
    default = config.unsubscribe_token_days if purpose == UNSUBSCRIBE else config.founder_token_days
    lifetime = days if days is not None else default
    signing = keys().signing
    expires = int((now + timedelta(days=lifetime)).timestamp())
    body = json.dumps({"g": group_id, "p": purpose, "k": signing.key_id, "exp": expires}, separators=(",", ":"))
    payload = _b64(body.encode())
    return f"{payload}.{_sign(signing, payload)}"


def _refused(detail: str = "The link is not valid. Ask for a new one.") -> NotAuthenticated:
    return NotAuthenticated(detail)


def _key_for(key_id: str) -> SigningKey | None:
    global _last_forced
    found = keys().by_id.get(key_id)
    if found is None and time.monotonic() - _last_forced > REFETCH_AT_MOST_EVERY:
        # Signed by a key this container has not seen: the secret may have rotated.
        _last_forced = time.monotonic()
        found = keys(force=True).by_id.get(key_id)
    return found


def verify(token: str | None, now: datetime, purpose: str = STATUS) -> str:
    """The group id a valid, unexpired token of `purpose` names; NotAuthenticated (401)
    for anything else: missing, malformed, tampered, signed by an unknown key, expired."""
    if not token:
        raise _refused("This needs the link from one of our emails (a token).")
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise _refused()
    payload, signature = token.split(".")
    try:
        data = json.loads(_unb64(payload).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _refused() from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        raise _refused()
    key = _key_for(data["k"])
    if key is None or not hmac.compare_digest(_sign(key, payload), signature):
        raise _refused()
    group_id, expires = data.get("g"), data.get("exp")
    if data.get("p") != purpose or not isinstance(group_id, str) or not group_id:
        raise _refused()
    if not isinstance(expires, int) or isinstance(expires, bool) or expires <= now.timestamp():
        raise _refused("The link has expired. Ask for a new one.")
    return group_id


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def keyed_hash(purpose: str, value: str, length: int = 32) -> str:
    """An HMAC of `value` with a key derived from the current secret for `purpose`: what
    cannot be reversed by hashing guesses without the secret (the rate limiter's address)."""
    derived = hmac.new(keys().signing.secret, purpose.encode(), hashlib.sha256).digest()
    return hmac.new(derived, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:length]


def rotated(document: Any, new_id: str, new_key: str, keep: int = 1) -> dict[str, Any]:
    """The secret's next value: a new signing key first, then the `keep` keys that signed
    most recently (their links keep working). Rotate no more often than the token lifetime
    (with keep=1), so every link still young was signed by one of the keys kept."""
    current = parse_keys(document)
    if new_id in current.by_id:
        raise ValueError(f"key id {new_id} is taken")
    if len(new_key) < 32:
        raise ValueError("a token key must be at least 32 characters")
    older = list(current.by_id.values())[: max(keep, 0)]
    return {"keys": [{"id": new_id, "key": new_key}, *({"id": k.key_id, "key": k.secret.decode()} for k in older)]}
