"""The SLA core's refusal: a ``ValueError`` naming the field at fault, so the ``service``
context can turn it into a ``DomainError`` without the core importing Django."""

from __future__ import annotations


class SlaInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
