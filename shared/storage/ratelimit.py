"""A fixed one-hour window per source address, counted atomically in DynamoDB.

The address is stored only as a salted hash, and the window item expires by TTL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from shared.domain.errors import RateLimited
from shared.settings import HOTLINE
from shared.storage.table import RateItem, bind

_SALT = b"start-a-group/rate/v1"


def check_and_count(source: str, now: datetime, limit: int) -> None:
    """Count one request from `source`; raise RateLimited once the window is full.
    A refused request is not counted, so a blocked client is freed when the hour turns."""
    bind()
    digest = hashlib.sha256(_SALT + source.encode()).hexdigest()[:24]
    window = now.replace(minute=0, second=0, microsecond=0)
    item = RateItem("RATE#" + digest, window.strftime("%Y-%m-%dT%H"))
    try:
        item.update(
            actions=[
                RateItem.hits.add(1),
                RateItem.kind.set(RateItem),
                RateItem.expires_at.set(window + timedelta(hours=2)),
            ],
            condition=RateItem.hits.does_not_exist() | (RateItem.hits < limit),
        )
    except UpdateError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
        retry_after = int((window + timedelta(hours=1) - now).total_seconds()) + 1
        raise RateLimited(
            f"Too many submissions from your network in the last hour. Please try again later, or call {HOTLINE}.",
            retry_after_seconds=max(retry_after, 1),
        ) from None
