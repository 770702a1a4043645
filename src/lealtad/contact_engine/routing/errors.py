"""The router's refusals, with a stable code the runtime maps to its own DomainError."""

from __future__ import annotations


class RoutingError(Exception):
    """A move the ACD refuses; ``code`` is stable (``unknown_agent``, ``not_offered``, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"RoutingError({self.code!r}, {self.message!r})"
