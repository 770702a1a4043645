"""What a customer import found and did, for the CLI, the API and the people reading it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROBLEMS = 10_000


@dataclass
class ImportReport:
    """What an import found and did. ``created`` counts new customers; ``updated`` counts rows
    applied to a customer already on file (or created by an earlier row of the same file);
    ``duplicate`` counts rows whose event was imported before."""

    source: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    duplicate: int = 0
    bad_rows: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more_problems += 1

    def warning(self, text: str) -> None:
        """An optional field set aside (or a phone flagged): the row is imported all the same."""
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(text)
        else:
            self.more_warnings += 1

    def _set_aside_note(self) -> str:
        total = len(self.warnings) + self.more_warnings
        if not total:
            return ""
        return f"; {total} field{'s' if total != 1 else ''} set aside or flagged for review"

    def summary(self) -> str:
        if self.problems:
            total = len(self.problems) + self.more_problems
            more = f" ({self.more_problems} not listed)" if self.more_problems else ""
            rows = f" in {self.bad_rows} of {_n(self.rows, 'row')}" if self.bad_rows else ""
            return (
                f"{self.source}: {total} problem{'s' if total != 1 else ''}{rows}{more}; "
                "nothing was imported"
            )
        if self.dry_run:
            rows = _n(self.rows, "row")
            note = self._set_aside_note()
            return f"{self.source}: dry run, {rows} checked, no problems{note}; nothing written"
        return (
            f"{self.source}: {_n(self.rows, 'row')} imported: {_n(self.created, 'new customer')}, "
            f"{self.updated} updated, {self.duplicate} already imported{self._set_aside_note()}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "duplicate": self.duplicate,
            "bad_rows": self.bad_rows,
            "problems": self.problems,
            "more_problems": self.more_problems,
            "warnings": self.warnings,
            "more_warnings": self.more_warnings,
            "summary": self.summary(),
        }


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
