"""The log of reads of founder data: who read which group's founder details, and when.

One line per read, in the function's log, marked `"audit": "founder_read"`: the caller's
id (an organizer's directory id, or `admin:<sub>`), their role, what they read (a group, or
a list) and the group ids. Never the content: no names, emails or phones. The line's
timestamp is when. docs/operations.md has the Logs Insights query that lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

logger = logging.getLogger("start-a-group.audit")


def founder_data_read(caller: object, what: str, group_ids: Iterable[str]) -> None:
    ids = sorted(set(group_ids))
    if not ids:
        return
    logger.info(
        "founder data read",
        extra={
            "audit": "founder_read",
            "reader": getattr(caller, "actor_id", "?"),
            "role": getattr(getattr(caller, "actor", None), "value", "?"),
            "read": what,
            "group_ids": ids,
        },
    )
