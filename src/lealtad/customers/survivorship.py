"""Survivorship: which value of a field the golden record keeps when two customers merge.

Plain Python. Each customer offers its value with the channel that last set it and when; the
rules, in order, narrow the candidates: an empty value never wins, then the most trusted source,
then the most recent. Rules and the trust order of sources are settings
(``LEALTAD_SURVIVORSHIP_RULES``, ``LEALTAD_SURVIVORSHIP_SOURCES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_SOURCES = (
    "call_center",
    "pos",
    "handheld",
    "field",
    "web",
    "mobile",
    "kiosk",
    "email",
    "ivr",
    "partner",
    "fax",
    "mail",
)
DEFAULT_RULES = ("trusted_source", "most_recent")
# Names are often abbreviated by one channel ("Ma. José"): the fuller spelling wins first.
NAME_RULES = ("most_complete", "trusted_source", "most_recent")
DEFAULT_PER_FIELD = {
    name: NAME_RULES
    for name in ("given_names", "first_surname", "second_surname", "organization_name")
}


@dataclass(frozen=True)
class Candidate:
    value: Any
    source: str = ""
    updated_at: datetime | None = None
    is_survivor: bool = False


@dataclass(frozen=True)
class Rules:
    order: tuple[str, ...] = DEFAULT_RULES
    sources: tuple[str, ...] = DEFAULT_SOURCES
    per_field: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PER_FIELD))

    def for_field(self, name: str) -> tuple[str, ...]:
        return self.per_field.get(name, self.order)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _trust(rules: Rules, source: str) -> int:
    return rules.sources.index(source) if source in rules.sources else len(rules.sources)


def choose(name: str, candidates: Sequence[Candidate], rules: Rules) -> Candidate | None:
    """The winning candidate, or None when every value is empty. Ties keep the survivor's."""
    left = [c for c in candidates if not _empty(c.value)]
    for rule in rules.for_field(name):
        if len(left) <= 1:
            break
        if rule == "trusted_source":
            best = min(_trust(rules, c.source) for c in left)
            left = [c for c in left if _trust(rules, c.source) == best]
        elif rule == "most_recent":
            stamped = [c for c in left if c.updated_at is not None]
            if stamped:
                latest = max(c.updated_at for c in stamped if c.updated_at is not None)
                left = [c for c in stamped if c.updated_at == latest]
        elif rule == "most_complete":
            longest = max(len(str(c.value).replace(".", "")) for c in left)
            left = [c for c in left if len(str(c.value).replace(".", "")) == longest]
        elif rule == "survivor":
            left = [c for c in left if c.is_survivor] or left
        else:
            raise ValueError(f"unknown survivorship rule {rule!r}")
    if not left:
        return None
    return next((c for c in left if c.is_survivor), left[0])
