"""The mail core's refusal: a ``ValueError`` naming what is wrong, so the ``service``
context can turn it into a ``DomainError`` (and keep the raw bytes aside) without the core
importing Django."""

from __future__ import annotations


class MailRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
