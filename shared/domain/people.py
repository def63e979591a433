"""A person as the form names them: who, how to reach them, where they are, in which language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str | None
    city: str
    state: str
    zip: str
    language: str = "en"  # theirs (DESIGN §8): the emails to them are in it
