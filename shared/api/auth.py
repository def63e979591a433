"""Who is calling the organizer API, from the claims of the JWT that API Gateway verified.

API Gateway's JWT authorizer (template.yaml, OrganizerAuthorizer) checks the signature,
issuer, audience and expiry, and hands the claims to the function under
requestContext.authorizer.jwt.claims; the local stack does the same. Here we only read
them: the role from `cognito:groups`, the identity from `email`, matched to the organizer
directory for field organizers and area coordinators (their states come from there).
Admins act everywhere; a token of the admins group counts only while its email is in the
directory of admins, read on every admin request, so removing an admin takes effect at
their next request, not when their token expires.

Admins and field organizers must sign in with MFA: Cognito can require it only of a whole
pool (which offers TOTP to everyone), so where REQUIRE_STAFF_MFA is "true" their requests
are refused (403) until their account has an authenticator app (TOTP) set up, which Cognito
then asks for at every sign-in. One AdminGetUser per user, remembered for five minutes.

Send the Cognito ID token: access tokens carry no `email` claim (401 here).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.domain.errors import Forbidden, NotAuthenticated, NotYourState
from shared.domain.stages import Actor
from shared.storage.directory import Directory, cached_directory, forget_cached_directory, is_admin

# Strongest first: a person in several groups acts with the strongest role.
ROLE_ORDER = (Actor.ADMIN, Actor.FIELD_ORGANIZER, Actor.AREA_COORDINATOR)


@dataclass(frozen=True)
class Caller:
    actor: Actor
    email: str
    organizer_id: str | None = None
    states: frozenset[str] | None = None  # None: every state (admins)
    subject: str | None = None  # the token's `sub`

    @property
    def everywhere(self) -> bool:
        return self.states is None

    def may_act_in(self, state: str) -> bool:
        return self.states is None or state in self.states

    def require_state(self, state: str) -> None:
        if not self.may_act_in(state):
            raise NotYourState(f"You act on groups in {', '.join(sorted(self.states or ()))} only.")

    @property
    def actor_id(self) -> str:
        """Who did it, as recorded on the group and in `GroupStageChanged.changed_by`: the
        organizer's directory id, or `admin:<sub>` (ids only: events carry no emails; an
        admin's token without `sub` is refused by `caller_from_claims`)."""
        if self.organizer_id:
            return self.organizer_id
        return f"admin:{self.subject or 'unknown'}"


def parse_groups_claim(value: Any) -> list[str]:
    """`cognito:groups` as a list of names. API Gateway's HTTP API flattens a list claim to
    a string like "[admins field_organizers]"; tokens and tests give a real list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items: Iterable[Any] = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and '"' in text:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                return [str(v) for v in parsed]
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = re.split(r"[\s,]+", text)
    else:
        return []
    return [str(v).strip().strip("\"'") for v in items if str(v).strip().strip("\"'")]


def strongest_role(groups: Iterable[str]) -> Actor | None:
    names = set(groups)
    return next((actor for actor in ROLE_ORDER if actor.value in names), None)


def clear_cache() -> None:
    forget_cached_directory()
    _mfa_seen.clear()


STAFF = (Actor.ADMIN, Actor.FIELD_ORGANIZER)
MFA_TTL_SECONDS = 300.0
_mfa_seen: dict[str, float] = {}


def staff_mfa_ok(claims: Mapping[str, Any]) -> bool:
    """Whether the caller's account has TOTP set up (True where MFA is not required here)."""
    if os.environ.get("REQUIRE_STAFF_MFA", "false") != "true":
        return True
    username = str(claims.get("cognito:username") or claims.get("sub") or "")
    if not username:
        return False
    now = time.monotonic()
    if now - _mfa_seen.get(username, -MFA_TTL_SECONDS) < MFA_TTL_SECONDS:
        return True
    import boto3  # lazy: cold start (only staff sign-ins with MFA required need it)

    cognito = boto3.client("cognito-idp")
    try:
        user = cognito.admin_get_user(UserPoolId=os.environ["USER_POOL_ID"], Username=username)
    except cognito.exceptions.UserNotFoundException:
        return False
    if "SOFTWARE_TOKEN_MFA" not in (user.get("UserMFASettingList") or []):
        return False
    _mfa_seen[username] = now
    return True


def caller_from_claims(
    claims: Mapping[str, Any] | None,
    # At most a minute old in a warm function: a deactivated organizer loses access within a minute.
    directory: Callable[[], Directory] = cached_directory,
    admin: Callable[[str], bool] = is_admin,
    mfa_ok: Callable[[Mapping[str, Any]], bool] = staff_mfa_ok,
) -> Caller:
    """The caller, or 401 (no usable identity) / 403 (no organizer role, not an organizer)."""
    if not claims:
        raise NotAuthenticated("Sign in: send `Authorization: Bearer <ID token>`.")
    email = str(claims.get("email") or "").strip()
    if not email:
        raise NotAuthenticated("The token has no email claim: send the Cognito ID token.")
    if str(claims.get("email_verified", "true")).lower() == "false":
        raise Forbidden("The account's email address is not verified.")
    actor = strongest_role(parse_groups_claim(claims.get("cognito:groups")))
    if actor is None:
        raise Forbidden("Your account has no organizer role (admins, field_organizers or area_coordinators).")
    subject = str(claims.get("sub") or "") or None
    if actor in STAFF and not mfa_ok(claims):
        raise Forbidden("Admins and field organizers sign in with MFA: set up an authenticator app first.")
    if actor is Actor.ADMIN:
        if subject is None:  # an admin is recorded by `sub`, never by their address
            raise NotAuthenticated("The token has no subject (sub) claim: send the Cognito ID token.")
        if not admin(email):
            raise Forbidden("Your account is not in the directory of admins; ask another admin.")
        return Caller(actor, email, subject=subject)
    organizer = directory().by_email(email)
    if organizer is None:
        raise Forbidden("Your account is not in the organizer directory; ask an admin to add you.")
    return Caller(actor, email, organizer.organizer_id, frozenset(organizer.states), subject)


def claims_of(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """requestContext.authorizer.jwt.claims of an HTTP API (payload v2) event."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    jwt = authorizer.get("jwt") or {}
    claims = jwt.get("claims")
    return claims if isinstance(claims, Mapping) else None


def caller_of(event: Mapping[str, Any]) -> Caller:
    return caller_from_claims(claims_of(event))
