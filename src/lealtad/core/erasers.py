"""Erasers of a person's copies that contexts register, for the privacy context to run.

A context that keeps copies of a person's data (channels: external records, connector rejects,
outbound files) registers its eraser here from its ``events.py``; the privacy context runs them
all when it erases a person. So privacy needs no import of the context's internals, and the
context never imports privacy: the dependency points at the core from both sides, like
:mod:`lealtad.core.sections` for the customer 360.
"""

from __future__ import annotations

from collections.abc import Callable

from lealtad.core.redaction import Redactor

CopyEraser = Callable[[list[int], Redactor], dict[str, int]]
"""Erase a context's copies of these customers' personal data; return rows changed per kind."""

_ERASERS: dict[str, CopyEraser] = {}


def erases_copies(context: str) -> Callable[[CopyEraser], CopyEraser]:
    """Register ``context``'s eraser of its copies (one per context; a second replaces it)."""

    def register(eraser: CopyEraser) -> CopyEraser:
        _ERASERS[context] = eraser
        return eraser

    return register


def erase_copies(customer_ids: list[int], redactor: Redactor) -> dict[str, dict[str, int]]:
    """Run every registered eraser, in context name order; what each changed, by context.

    Called inside the erasure's transaction: an eraser that fails rolls the whole erasure back.
    """
    return {name: erase(customer_ids, redactor) for name, erase in sorted(_ERASERS.items())}


def registered() -> set[str]:
    return set(_ERASERS)
