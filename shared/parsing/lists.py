"""The query of GET /groups (DESIGN §2): state, stage, limit, next_token as before, plus
`organizer` (`me` or an organizer id) and `q` (founder name or email, or city)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from shared.parsing.inquiry import InvalidText, clean_text
from shared.parsing.organizer import ListQuery, _invalid

ORGANIZER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


class GroupListQuery(ListQuery):
    organizer: str | None = None
    q: str | None = None

    @field_validator("organizer", mode="before")
    @classmethod
    def _organizer(cls, v: Any) -> str:
        text = str(v).strip()
        if not ORGANIZER_ID.match(text):
            raise _invalid("must be me or an organizer id")
        return text

    @field_validator("q", mode="before")
    @classmethod
    def _q(cls, v: Any) -> str | None:
        try:
            text = clean_text(v, max_length=100)
        except InvalidText as err:
            raise _invalid(str(err)) from None
        return text.casefold() or None
