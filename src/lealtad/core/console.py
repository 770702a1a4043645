"""The terminal the ``lealtad`` commands write to: one stderr console and one progress bar style.

It lives in the core, not in ``lealtad.cli``, so the command groups that contexts own
(``customers/identity_cli.py``, ``privacy/cli.py`` …) share it without importing the composition
root that mounts them: that import made a cycle (cli -> context -> cli).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

console = Console(stderr=True)


def progress() -> Progress:
    """A bar with the count done and the time left, on stderr (stdout stays for results)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
