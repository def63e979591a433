"""The suppression list: addresses that get no more email because SES reported a hard
bounce or a complaint (DESIGN §4). The email sender checks it before every send."""

from __future__ import annotations

from collections.abc import Iterable

from shared.storage.table import SuppressedItem, bind, saved_new

SUPPRESSED_PREFIX = "SUPPRESSED#"
ADDRESS_SK = "ADDRESS"


def _key(address: str) -> str:
    return SUPPRESSED_PREFIX + address.strip().casefold()


def suppress(address: str, reason: str, at: str) -> bool:
    """Put the address on the list; False when it was there already (a repeated report)."""
    bind()
    return saved_new(SuppressedItem(_key(address), ADDRESS_SK, reason=reason, at=at))


def suppressed_among(addresses: Iterable[str]) -> set[str]:
    """Those of `addresses` (compared case-insensitively) that are on the list: one read."""
    wanted = {_key(a): a for a in addresses}
    if not wanted:
        return set()
    bind()
    found = SuppressedItem.batch_get([(pk, ADDRESS_SK) for pk in wanted], consistent_read=True)
    return {wanted[item.pk] for item in found}
