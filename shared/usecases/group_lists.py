"""GET /groups (DESIGN §2) with the organizer console's inbox in mind: `organizer=me` (or
an id) lists the groups routed to that organizer from the ByOrganizer index; `q` keeps the
groups whose founder name or email, or city, contains it (case-insensitive); each item
says what waits on the organizer (shared/domain/progress.py), from the summary every
write keeps on the group item: no read of the group's partition, no Scan.

Cost: a listing reads index partitions only: one organizer's groups, or the caller's
states one after another (or, for admins without a state, the stages). `q` and the
filters that are not index keys are applied to what is read, so one request reads at most
READ_BUDGET index items and may answer a short page with a next_token to go on."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared import settings
from shared.api import audit
from shared.api.auth import Caller
from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.progress import waits
from shared.domain.stages import Stage
from shared.parsing.lazy import parse_as
from shared.storage.group_queries import Partition, key_fits, key_of, walk
from shared.storage.table import GroupItem
from shared.usecases.group_views import summary_of
from shared.usecases.progress import summary_of as progress_summary

if TYPE_CHECKING:
    from shared.parsing.lists import GroupListQuery

READ_BUDGET = 1000  # index items one request may read while filtering (about 1 MB at most)


def _partitions(caller: Caller, query: GroupListQuery) -> list[Partition]:
    stage = query.stage.value if query.stage else None
    if query.state is not None:
        caller.require_state(query.state)
    if query.organizer is not None:
        organizer_id = caller.organizer_id if query.organizer == "me" else query.organizer
        return [Partition(stage=stage, organizer_id=organizer_id)] if organizer_id else []
    if query.state is not None:
        return [Partition(state=query.state, stage=stage)]
    if caller.states is not None:
        return [Partition(state=state, stage=stage) for state in sorted(caller.states)]
    if stage is not None:
        return [Partition(stage=stage)]
    return [Partition(stage=s.value) for s in Stage]


def _fingerprint(caller: Caller, query: GroupListQuery) -> str:
    scope = "*" if caller.states is None else ",".join(sorted(caller.states))
    who = caller.organizer_id or caller.actor_id
    text = f"{scope}|{who}|{query.state}|{query.stage}|{query.organizer}|{query.q}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _bad_token() -> ValidationFailed:
    return ValidationFailed(
        [FieldError("next_token", "is not a token from this listing: start again without it")],
        detail="The next_token does not belong to this listing.",
    )


def encode_token(position: int, key: dict[str, Any] | None, fingerprint: str) -> str:
    raw = json.dumps({"v": 2, "p": position, "k": key, "f": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str, partitions: list[Partition]) -> tuple[int, dict[str, Any] | None]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_token() from None
    if not isinstance(data, dict) or data.get("v") != 2 or data.get("f") != fingerprint:
        raise _bad_token()
    position, key = data.get("p"), data.get("k")
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(partitions):
        raise _bad_token()
    if key is not None and not key_fits(key, partitions[position]):
        raise _bad_token()
    return position, key


def matches(item: GroupItem, q: str | None) -> bool:
    """`q` (already casefolded) within the founder's name or email, or the city."""
    if not q:
        return True
    return any(q in (text or "").casefold() for text in (item.founder_name, item.founder_email, item.city))


def _keeps(item: GroupItem, caller: Caller, query: GroupListQuery) -> bool:
    return (
        caller.may_act_in(item.state)  # an organizer's groups outside the caller's states stay hidden
        and (query.state is None or item.state == query.state)
        and matches(item, query.q)
    )


def item_view(item: GroupItem, now: datetime) -> dict[str, Any]:
    gates, follow_ups = settings.gates(), settings.follow_ups()
    return {
        **summary_of(item),
        "founder_email": item.founder_email,
        "waits": waits(progress_summary(item, gates), now, follow_ups),
    }


def list_groups(caller: Caller, params: Mapping[str, str | None], now: datetime) -> dict[str, Any]:
    query = parse_as("lists.GroupListQuery", {k: v for k, v in params.items() if v is not None})
    partitions = _partitions(caller, query)
    fingerprint = _fingerprint(caller, query)
    position, key = decode_token(query.next_token, fingerprint, partitions) if query.next_token else (0, None)
    kept: list[GroupItem] = []
    read = 0
    while position < len(partitions) and len(kept) < query.limit and read < READ_BUDGET:
        partition = partitions[position]
        page_size = query.limit if not query.q and not query.organizer else 100
        stopped = False
        for item in walk(partition, key, page_size=page_size):
            read += 1
            key = key_of(item, partition)
            if _keeps(item, caller, query):
                kept.append(item)
            if len(kept) >= query.limit or read >= READ_BUDGET:
                stopped = True
                break
        if not stopped:
            position, key = position + 1, None
    more = position < len(partitions)
    audit.founder_data_read(caller, "group_list", [g.group_id for g in kept])
    return {
        "items": [item_view(g, now) for g in kept],
        "next_token": encode_token(position, key, fingerprint) if more else None,
    }
