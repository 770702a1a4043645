"""The periodic SLA job: every open case's clock extrapolated to now in one batch
(``evaluate_many``), each warning and breach announced once (a history line and a hub event)
and a breached case moved to its group's ``escalates_to``.

Idempotent: the flags on ``CaseClock`` say what was already announced, and they are set in
the same transaction as the announcement, under the case's row lock.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from lealtad.core import hub
from lealtad.service import models as m
from lealtad.service.choices import EntryKind
from lealtad.service.services.sla import SYSTEM, engine_calendar
from lealtad.service.services.sla_assign import counted
from lealtad.service_engine import sla as engine

COLUMNS = (
    "case_id",
    "calendar_id",
    "as_of",
    "warn_at",
    "first_elapsed",
    "first_target",
    "first_running",
    "resolution_elapsed",
    "resolution_target",
    "resolution_running",
    "first_warned",
    "first_breached",
    "resolution_warned",
    "resolution_breached",
)
EVERY_SECONDS = 60.0
_last_run = [float("-inf")]


@dataclass
class JobReport:
    open_cases: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)
    breaches: list[tuple[int, str]] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def tick() -> None:
    """The dispatcher's before-pass hook: the job at most once a minute per process."""
    if _time.monotonic() - _last_run[0] < EVERY_SECONDS:
        return
    _last_run[0] = _time.monotonic()
    run(timezone.now())


def _load() -> tuple[list[tuple[object, ...]], list[engine.BusinessCalendar], dict[int, int]]:
    """Every open case's snapshot, read as plain rows (a million through the ORM's
    converters cost more than the whole batch)."""
    table = m.CaseClock._meta.db_table
    names = ", ".join(str(getattr(m.CaseClock._meta.get_field(c), "column", c)) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {table} WHERE open = %s AND calendar_id IS NOT NULL", [True]
        )
        rows = cursor.fetchall()
    calendars: list[engine.BusinessCalendar] = []
    index: dict[int, int] = {}
    for row in m.BusinessCalendar.objects.filter(pk__in={r[1] for r in rows}):
        index[row.pk] = len(calendars)
        calendars.append(engine_calendar(row))
    return rows, calendars, index


def _micros(values: tuple[object, ...]) -> np.ndarray:
    """Epoch µs of the snapshots: SQLite hands back naive UTC (text or datetimes, which
    numpy reads in C), PostgreSQL aware datetimes."""
    first = values[0] if values else None
    if isinstance(first, str) or (isinstance(first, datetime) and first.tzinfo is None):
        return np.array(values, dtype="datetime64[us]").astype(np.int64)
    return np.array([engine_micros(t) for t in values], dtype=np.int64)


def due(now: datetime) -> tuple[JobReport, list[tuple[int, str, str]]]:
    """What is due now: (case id, target, "warning" | "breach") not yet announced."""
    rows, calendars, index = _load()
    report = JobReport(open_cases=len(rows))
    if not rows:
        return report, []
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    cal = np.array([index[c] for c in cols[1]], dtype=np.int64)
    as_of = _micros(cols[2])
    warn = np.array(cols[3], dtype=np.float64)

    def target(values: tuple[object, ...]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    batch = engine.ClockBatch(
        np.concatenate([cal, cal]),
        np.concatenate([as_of, as_of]),
        np.concatenate([np.array(cols[4], float), np.array(cols[7], float)]),
        np.concatenate([target(cols[5]), target(cols[8])]),
        np.concatenate([warn, warn]),
        np.concatenate([np.array(cols[6], bool), np.array(cols[9], bool)]),
    )
    result = engine.evaluate_many(calendars, batch, now)
    warned = np.concatenate([np.array(cols[10], bool), np.array(cols[12], bool)])
    breached = np.concatenate([np.array(cols[11], bool), np.array(cols[13], bool)])
    found: list[tuple[int, str, str]] = []
    for i in np.flatnonzero(result.warning_due & ~warned & ~breached):
        found.append((int(cols[0][i % n]), _target(int(i), n), "warning"))
    for i in np.flatnonzero(result.breached & ~breached):
        found.append((int(cols[0][i % n]), _target(int(i), n), "breach"))
    return report, found


def engine_micros(moment: object) -> int:
    assert isinstance(moment, datetime)
    return int(moment.timestamp() * 1_000_000)


def _target(i: int, n: int) -> str:
    return "first_response" if i < n else "resolution"


def run(now: datetime | None = None) -> JobReport:
    now = now or timezone.now()
    report, found = due(now)
    for case_id, target, what in found:
        if _announce(case_id, target, what, now, report):
            (report.warnings if what == "warning" else report.breaches).append((case_id, target))
    return report


def _announce(case_id: int, target: str, what: str, now: datetime, report: JobReport) -> bool:
    flag = f"{'first' if target == 'first_response' else 'resolution'}_"
    flag += "warned" if what == "warning" else "breached"
    with transaction.atomic():
        case = m.Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
        clock = m.CaseClock.objects.select_for_update().filter(pk=case_id).first()
        if case is None or clock is None or getattr(clock, flag):
            return False  # another process announced it first
        setattr(clock, flag, True)
        m.CaseEntry.objects.create(
            case=case, at=now, kind=EntryKind.SLA, author=SYSTEM.label, data={what: target}
        )
        event = "case.sla_warning" if what == "warning" else "case.sla_breached"
        hub.publish(
            event,
            {"case_id": case.pk, "number": case.number, "target": target, "subject": case.subject},
            event_id=f"{case.number}#{event}#{target}",
            channel=case.channel,
            customer_id=case.customer_id,
        )
        if what == "breach":
            m.Case.objects.filter(pk=case.pk).update(sla_breached=True)
            if not clock.escalated and _escalate(case, now):
                clock.escalated = True
                report.escalated.append(case.pk)
        clock.save()
    return True


def _escalate(case: m.Case, now: datetime) -> bool:
    """Hand a breached case to its group's next tier (once)."""
    group = case.group
    target = group.escalates_to if group else None
    if target is None or not target.active:
        return False
    m.Case.objects.filter(pk=case.pk).update(group=target, assignee=None, updated_at=now)
    counted(case.group_id, case.assignee_id, -1)
    m.CaseEntry.objects.create(
        case=case,
        at=now,
        kind=EntryKind.ESCALATED,
        author=SYSTEM.label,
        data={"from": group.name if group else "", "group": target.name, "reason": "sla"},
    )
    return True
