"""Validating a payload while keeping its bad *optional* fields aside instead of refusing it.

A customer is not lost because one optional contact point looks odd (an extra email that
fails validation, a birth date in the future): the event is accepted without that field, and
the field comes back to the caller as a warning and to a person as a data-quality issue
(docs/data-quality.md). Which fields may be set aside is the payload schema's decision
(``SET_ASIDE``); everything else still refuses the event. Plain pydantic, no Django.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

MAX_ROUNDS = 4  # each round removes every bad optional field the last one reported


@dataclass(frozen=True)
class FieldIssue:
    """One field of one event that was set aside (``kept=False``) or kept but flagged.

    ``path`` is where the field was in the event (``payload.emails.1``); ``raw`` is the value
    as received, so a person can see it and fix it.
    """

    path: str
    raw: Any
    reason: str
    kept: bool = False

    @property
    def field(self) -> str:
        """The business field (``email``, ``birth_date``, ``address`` …) for filtering."""
        parts = self.path.split(".")
        name = parts[1] if len(parts) > 1 and parts[0] in ("payload", "customer") else parts[0]
        return {"phones": "phone", "emails": "email", "addresses": "address"}.get(name, name)

    @property
    def raw_text(self) -> str:
        if isinstance(self.raw, str):
            return self.raw
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True, default=str)

    def as_warning(self) -> dict[str, str]:
        outcome = "kept, flagged for review" if self.kept else "set aside for review"
        return {"field": self.path, "message": f"{self.reason} ({outcome})"}


def validate(
    model: type[BaseModel], data: Any, optional: frozenset[str], prefix: str = "payload"
) -> tuple[BaseModel, list[FieldIssue]]:
    """``model`` validated from ``data`` with the bad fields named in ``optional`` left out.

    Raises the :class:`ValidationError` of the first round when any error is outside
    ``optional`` (the event is refused, and the caller hears of every bad field at once).
    """
    issues: list[FieldIssue] = []
    for _ in range(MAX_ROUNDS):
        try:
            return model.model_validate(data), issues
        except ValidationError as exc:
            errors = exc.errors()
            if not optional or not isinstance(data, dict):
                raise
            if any(not e["loc"] or e["loc"][0] not in optional for e in errors):
                raise
            data, found = _without(data, errors, prefix)
            issues.extend(found)
    return model.model_validate(data), issues


def _without(
    data: dict[str, Any], errors: list[Any], prefix: str
) -> tuple[dict[str, Any], list[FieldIssue]]:
    """``data`` minus the bad fields (a list loses only its bad items), and what was removed."""
    reasons: dict[tuple[str, int | None], list[str]] = {}
    for err in errors:
        name, rest = str(err["loc"][0]), err["loc"][1:]
        value = data.get(name)
        index = rest[0] if rest and isinstance(rest[0], int) and isinstance(value, list) else None
        inner = rest[1:] if index is not None else rest
        where = ".".join(str(p) for p in inner)
        message = err["msg"].removeprefix("Value error, ")
        reasons.setdefault((name, index), []).append(f"{where}: {message}" if where else message)
    cleaned = dict(data)
    issues = []
    for (name, index), messages in reasons.items():
        reason = "; ".join(dict.fromkeys(messages))
        if index is None:
            issues.append(FieldIssue(f"{prefix}.{name}", cleaned.pop(name, None), reason))
    by_list: dict[str, set[int]] = {}
    for name, index in reasons:
        if index is not None and name in cleaned:
            by_list.setdefault(name, set()).add(index)
    for name, indexes in by_list.items():
        items = cleaned[name]
        for index in sorted(indexes):
            reason = "; ".join(dict.fromkeys(reasons[(name, index)]))
            issues.append(FieldIssue(f"{prefix}.{name}.{index}", items[index], reason))
        cleaned[name] = [item for i, item in enumerate(items) if i not in indexes]
    return cleaned, sorted(issues, key=lambda i: i.path)
