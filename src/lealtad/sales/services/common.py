"""What the sales use cases share: their refusals and how a field in a batch is named."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from lealtad.core.errors import DomainError

T = TypeVar("T")
CHUNK = 500


class SalesRefused(DomainError):
    code = "sales_refused"
    kind = "invalid"


class SalesConflict(DomainError):
    code = "sales_conflict"
    kind = "conflict"


class SalesNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


def where(index: int, size: int, name: str) -> str:
    """A field's path in a batch (``rows[3].email``), or its name alone for a batch of one."""
    return f"rows[{index}].{name}" if size > 1 else name


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def user_id_of(actor: Any) -> int | None:
    return getattr(actor, "user_id", None)
