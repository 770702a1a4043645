"""Service refusals in the ``lealtad`` command, shown in one place (decision 0011).

Every command group is a :class:`RefusalsShown` (``typer.Typer(cls=RefusalsShown)``): when a
command's service refuses (:class:`~lealtad.core.errors.DomainError`), the person reads the
refusal in red on stderr, in their language, and the command exits with status 1 instead of
printing a traceback. Commands no longer catch each service's error themselves.

The check runs in the group, not in ``lealtad.cli.main``: tests and the context groups invoke
a group directly, and a group invokes every nested command, so each path meets it once.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.text import Text
from typer.core import TyperGroup

from lealtad.core.console import console

REFUSED_EXIT = 1


class RefusalsShown(TyperGroup):
    """A command group that turns a service's refusal into a red line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context (vendored in typer)
        try:
            return super().invoke(ctx)
        except ValueError as exc:
            # Imported here: the command starts without loading Django's translation machinery.
            from lealtad.core.errors import DomainError

            if not isinstance(exc, DomainError):
                raise
            show_refusal(exc)
            raise typer.Exit(REFUSED_EXIT) from exc


def show_refusal(exc: Exception) -> None:
    """The refusal as the person reads it: ``field: message`` in red, never wrapped."""
    console.print(Text(str(exc), style="red"), soft_wrap=True)
