"""The batch consumers (the stream outbox, the email queue): what they log of a record that
failed, and the partial-batch answer of a queue consumer."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

R = TypeVar("R")
P = ParamSpec("P")


def logs_failures(
    logger: Any, what: str, record_id: Callable[[Any], str | None]
) -> Callable[[Callable[Concatenate[Any, P], R]], Callable[Concatenate[Any, P], R]]:
    """Wrap a record handler so that a record that fails is logged (then re-raised, for the
    batch processor to report) by its id and the error's type: never the error's text or
    the record's content, either of which may carry an applicant's name or address."""

    def wrap(handler: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
        @functools.wraps(handler)
        def run(record: Any, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return handler(record, *args, **kwargs)
            except Exception as err:
                extra = {"record_id": record_id(record), "error_type": type(err).__name__}
                logger.warning(f"{what} failed; retried, then the DLQ", extra=extra)
                raise

        return run

    return wrap


def sqs_message_id(record: dict[str, Any]) -> str:
    return record["messageId"]


def partial_batch_response(
    records: list[dict[str, Any]], handle: Callable[[dict[str, Any]], Any], record_id: Callable[[dict[str, Any]], str]
) -> dict[str, list[dict[str, str]]]:
    """Handle each record of an SQS batch on its own; the answer names those that raised
    (ReportBatchItemFailures), so only they are received again and, after the queue's
    maxReceiveCount, redriven to its DLQ. A whole batch failing is reported the same way,
    record by record. Powertools' batch processor does this too, but imports `asyncio` and
    every event data class with it: a third of the email sender's cold start."""
    failed = []
    for record in records:
        try:
            handle(record)
        except Exception:  # noqa: BLE001 - reported for retry; logged by logs_failures
            failed.append({"itemIdentifier": record_id(record)})
    return {"batchItemFailures": failed}
