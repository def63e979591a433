"""What the batch consumers (the stream outbox, the email queue) log of a record that failed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


def logs_failures(
    logger: Any, what: str, record_id: Callable[[Any], str | None]
) -> Callable[[Callable[[Any], R]], Callable[[Any], R]]:
    """Wrap a record handler so that a record that fails is logged (then re-raised, for the
    batch processor to report) by its id and the error's type: never the error's text or
    the record's content, either of which may carry an applicant's name or address."""

    def wrap(handler: Callable[[Any], R]) -> Callable[[Any], R]:
        @functools.wraps(handler)
        def run(record: Any) -> R:
            try:
                return handler(record)
            except Exception as err:
                extra = {"record_id": record_id(record), "error_type": type(err).__name__}
                logger.warning(f"{what} failed; retried, then the DLQ", extra=extra)
                raise

        return run

    return wrap
