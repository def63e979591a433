"""Pure helpers of the reports: spreadsheet-safe cells and medians."""

from __future__ import annotations

from statistics import median
from typing import Any

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google
# Sheets (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell no spreadsheet runs: text that could start a formula gets a
    leading apostrophe. Numbers and empty cells stay as they are."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def median_days(values: list[int]) -> float | None:
    return float(median(values)) if values else None
