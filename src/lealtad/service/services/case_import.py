"""Cases brought in from another help desk or a spreadsheet: every row checked before any is
written, then opened batch-first (``opening.open_cases``) a chunk at a time.

The file is refused whole when a row is wrong (each problem named by its line and column),
so nothing half-imported needs cleaning up. A row whose customer cannot be told (an unknown
e-mail, a cédula two people share, a malformed phone) is still imported, flagged for triage
with a warning: a case is never lost over who wrote it. The ``reference`` column is required
and makes the import idempotent: the same source and reference twice is one case, so a run
cut short is finished by running it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lealtad.core import normalize
from lealtad.core.audit import Actor
from lealtad.core.csv_rows import Problem
from lealtad.customers.selectors.owners import owners_of
from lealtad.service.models import Case, SupportGroup
from lealtad.service.services import opening

REQUIRED = ("reference", "subject", "category")
CUSTOMER_KEYS = ("customer_id", "email", "national_id", "phone")
OPTIONAL = (
    "subtype",
    "description",
    "channel",
    "priority",
    "status",
    "opened_at",
    "resolved_at",
    "outcome",
    "group",
    "order_number",
    "product_sku",
    "contract_number",
    *CUSTOMER_KEYS,
)
PRIORITIES = {"low": 1, "baja": 1, "normal": 2, "high": 3, "alta": 3, "urgent": 4, "urgente": 4}
CHUNK = 2000
MAX_PROBLEMS = 200
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    rows: int = 0
    opened: int = 0
    already: int = 0
    triage: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "opened": self.opened,
            "already_imported": self.already,
            "for_triage": self.triage,
            "problems": [p.__dict__ for p in self.problems],
            "warnings": [w.__dict__ for w in self.warnings],
        }


def import_cases(
    rows: Sequence[dict[str, Any]],
    *,
    source: str,
    actor: Actor,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then (unless ``dry_run`` or a row is wrong) open the cases."""
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    now = timezone.now()
    batch = _read_rows(rows, source, now, report)
    if not report.ok:
        return report
    report.already = _count_known(source, [new.external_ref for new in batch])
    if dry_run:
        return report
    for part in _chunks(batch, CHUNK):
        opening.open_cases(part, actor, now)
        if progress is not None:
            progress(len(part))
    report.opened = len({new.external_ref for new in batch}) - report.already
    return report


def _read_rows(
    rows: Sequence[dict[str, Any]], source: str, now: datetime, report: ImportReport
) -> list[opening.NewCase]:
    if not source.strip():
        report.problems.append(Problem(1, "source", _("An import needs a source name.")))
        return []
    _check_columns(rows, report)
    if not report.ok:
        return []
    owners = _owners(rows, report)
    groups = _known_groups(rows)
    batch: list[opening.NewCase] = []
    for index, row in enumerate(rows):
        line = index + 2
        new = _new_case(row, line, source, owners, report)
        if new is None:
            continue
        if new.group and new.group not in groups:
            report.problems.append(Problem(line, "group", _("There is no such support group.")))
            continue
        try:
            opening.check(new, now)
        except opening.CaseRefused as exc:
            report.problems.append(Problem(line, exc.field or "row", str(exc.message)))
            continue
        batch.append(new)
        if len(report.problems) >= MAX_PROBLEMS:
            break
    return batch


def _check_columns(rows: Sequence[dict[str, Any]], report: ImportReport) -> None:
    columns = set(rows[0]) if rows else set()
    for name in REQUIRED:
        if rows and name not in columns:
            report.problems.append(Problem(1, name, _("This column is required.")))
    unknown = sorted(columns - set(REQUIRED) - set(OPTIONAL))
    for name in unknown:
        report.warnings.append(Problem(1, name, _("Unknown column, ignored.")))


def _new_case(
    row: dict[str, Any],
    line: int,
    source: str,
    owners: dict[tuple[str, str], list[int]],
    report: ImportReport,
) -> opening.NewCase | None:
    text = {k: str(v if v is not None else "").strip() for k, v in row.items()}
    try:
        priority = _priority(text.get("priority", ""))
        opened_at = _moment(text.get("opened_at", ""), "opened_at")
        resolved_at = _moment(text.get("resolved_at", ""), "resolved_at")
    except _BadCell as bad:
        report.problems.append(Problem(line, bad.column, bad.message))
        return None
    if not text.get("reference"):
        report.problems.append(Problem(line, "reference", _("A reference is required.")))
        return None
    customer_id = _customer(text, line, owners, report)
    return opening.NewCase(
        subject=text.get("subject", ""),
        category=text.get("category", ""),
        subtype=text.get("subtype", ""),
        description=text.get("description", ""),
        customer_id=customer_id,
        channel=text.get("channel") or "import",
        priority=priority,
        group=text.get("group", ""),
        order_number=text.get("order_number", "")[:40],
        product_sku=text.get("product_sku", "")[:60],
        contract_number=text.get("contract_number", "")[:40],
        extra={} if customer_id is not None else {"triage": True, "imported_from": source},
        status=text.get("status") or "new",
        opened_at=opened_at,
        resolved_at=resolved_at,
        outcome=text.get("outcome", ""),
        source=source,
        external_ref=text["reference"],
    )


class _BadCell(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column, self.message = column, message


def _priority(text: str) -> int:
    if not text:
        return 2
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    if text.lower() in PRIORITIES:
        return PRIORITIES[text.lower()]
    raise _BadCell("priority", _("Priority is 1 to 4, or low, normal, high, urgent."))


def _moment(text: str, column: str) -> datetime | None:
    """ISO 8601; without an offset, in the installation's time zone."""
    if not text:
        return None
    try:
        parsed = parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise _BadCell(column, _("Not a date and time (use 2026-03-31T14:05)."))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _key(text: dict[str, str]) -> tuple[str, str] | None:
    """The first customer key the row gives, normalized (None: none given); a malformed one
    raises ``normalize.InvalidValue``."""
    for kind in CUSTOMER_KEYS:
        value = text.get(kind, "")
        if not value:
            continue
        if kind == "email":
            return kind, normalize.email(value)
        if kind == "national_id":
            return kind, normalize.national_id(value).value
        if kind == "phone":
            return kind, normalize.phone(value).e164
        return kind, value
    return None


def _owners(
    rows: Sequence[dict[str, Any]], report: ImportReport
) -> dict[tuple[str, str], list[int]]:
    """Every row's customer key resolved, one query per kind of key."""
    wanted: dict[str, set[str]] = {kind: set() for kind in CUSTOMER_KEYS}
    for row in rows:
        try:
            key = _key({k: str(v or "").strip() for k, v in row.items()})
        except normalize.InvalidValue:
            continue  # reported on the row itself
        if key is not None:
            wanted[key[0]].add(key[1])
    found: dict[tuple[str, str], list[int]] = {}
    for kind, values in wanted.items():
        for value, ids in owners_of(kind, values).items():
            found[(kind, value)] = ids
    return found


def _customer(
    text: dict[str, str], line: int, owners: dict[tuple[str, str], list[int]], report: ImportReport
) -> int | None:
    try:
        key = _key(text)
    except normalize.InvalidValue as exc:
        column = next(k for k in CUSTOMER_KEYS if text.get(k))
        return _triage(report, line, column, _("Not readable (%(e)s); for triage.") % {"e": exc})
    if key is None:
        return _triage(report, line, "customer_id", _("No customer given; for triage."))
    ids = owners.get(key, [])
    if len(ids) == 1:
        return ids[0]
    if not ids:
        return _triage(report, line, key[0], _("No customer holds it; for triage."))
    return _triage(
        report, line, key[0], _("%(n)s customers hold it; for triage.") % {"n": len(ids)}
    )


def _triage(report: ImportReport, line: int, column: str, message: str) -> int | None:
    """Note why the row has no customer; the case is opened for triage (None: no customer)."""
    report.triage += 1
    if len(report.warnings) < MAX_PROBLEMS:
        report.warnings.append(Problem(line, column, message))
    return None


def _known_groups(rows: Sequence[dict[str, Any]]) -> set[str]:
    names = {str(row.get("group") or "").strip() for row in rows} - {""}
    return set(
        SupportGroup.objects.filter(name__in=names, active=True).values_list("name", flat=True)
    )


def _count_known(source: str, refs: Iterable[str]) -> int:
    unique = sorted(set(refs))
    return sum(
        Case.objects.filter(source=source, external_ref__in=part).count()
        for part in _chunks(unique, CHUNK)
    )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
