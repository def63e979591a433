"""What the logs say of an unexpected error: its type and where it was raised, never its
text (an exception's message may carry an address, a name or a message someone wrote)."""

from __future__ import annotations

import traceback
from pathlib import PurePath


def error_fields(err: BaseException) -> dict[str, str]:
    """`error_type` and `error_at` (the raising frame's file and line, e.g.
    "usecases/founder.py:123"): to log with exc_info off."""
    frames = traceback.extract_tb(err.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f"{'/'.join(PurePath(last.filename).parts[-2:])}:{last.lineno}"
    return {"error_type": type(err).__name__, "error_at": where}
