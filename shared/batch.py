"""What the batch consumers (the stream outbox, the email queue) log of a record that failed."""

from __future__ import annotations


def failure(record_id: str | None, err: BaseException) -> dict[str, str | None]:
    """A failed record by its id and the error's type, never the error's text or the
    record's content: either may carry an applicant's name or address."""
    return {"record_id": record_id, "error_type": type(err).__name__}
