"""A fixed one-hour window per source address, counted atomically in DynamoDB.

The address is stored only as an HMAC made with a key from Secrets Manager
(shared/api/founder_tokens.keyed_hash), which nobody can reverse by hashing guesses without
the secret; the window item expires by TTL. An IPv6 client is keyed by its /64: one
subscriber's network, whose addresses it may change at will.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from shared.api.founder_tokens import keyed_hash
from shared.domain.errors import RateLimited
from shared.settings import HOTLINE
from shared.storage.table import RateItem, bind, condition_held


def client_key(source: str) -> str:
    """What one client is: an IPv4 address, or an IPv6 address's /64 network."""
    try:
        address = ipaddress.ip_address(source.strip())
    except ValueError:
        return source
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def check_and_count(source: str, now: datetime, limit: int, scope: str = "intake") -> None:
    """Count one request from `source`; raise RateLimited once the window is full.
    A refused request is not counted, so a blocked client is freed when the hour turns."""
    bind()
    digest = keyed_hash(f"rate-limit:{scope}", client_key(source), length=24)
    window = now.replace(minute=0, second=0, microsecond=0)
    item = RateItem("RATE#" + digest, window.strftime("%Y-%m-%dT%H"))
    counted = condition_held(
        lambda: item.update(
            actions=[
                RateItem.hits.add(1),
                RateItem.kind.set(RateItem),
                RateItem.expires_at.set(window + timedelta(hours=2)),
            ],
            condition=RateItem.hits.does_not_exist() | (RateItem.hits < limit),
        )
    )
    if not counted:
        retry_after = int((window + timedelta(hours=1) - now).total_seconds()) + 1
        raise RateLimited(
            f"Too many submissions from your network in the last hour. Please try again later, or call {HOTLINE}.",
            retry_after_seconds=max(retry_after, 1),
        )
