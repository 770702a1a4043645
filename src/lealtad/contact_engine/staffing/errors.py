"""The one refusal of the staffing core, naming the field (or row) that is wrong.

A ValueError, so plain Python callers need nothing special; the Django faces turn it into a
DomainError (422) with the same field name.
"""

from __future__ import annotations


class StaffingError(ValueError):
    """Bad staffing input: ``field`` names what to fix (``calls[12]``, ``target``…)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
