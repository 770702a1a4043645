"""The balanced scorecard: its KPIs by perspective, the periods they are read over, the
target in force for each and the red/amber/green status against it.

The KPI values are computed from the cube (and the customers context for identity and
consent) each time the page is read, so they always agree with the dashboards; only the
targets are stored (:class:`ScorecardTarget`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lealtad.analytics.models import ScorecardTarget, TargetDirection
from lealtad.analytics.selectors import scorecard_figures
from lealtad.core.errors import DomainError

PERSPECTIVES: tuple[tuple[str, Promise], ...] = (
    ("financial", _("Financial")),
    ("customer", _("Customer")),
    ("process", _("Internal process")),
    ("learning", _("Learning and growth")),
)


@dataclass(frozen=True)
class Kpi:
    code: str
    perspective: str
    label: Promise
    # money (order currency), percent (0-100, a share), growth (signed %), ratio, count
    unit: str
    direction: str
    source: Promise


H, L = TargetDirection.HIGHER.value, TargetDirection.LOWER.value
_KPI_LIST = (
    Kpi(
        "revenue", "financial", _("Revenue"), "money", H, _("cube: revenue of orders not cancelled")
    ),
    Kpi(
        "margin",
        "financial",
        _("Gross margin"),
        "percent",
        H,
        _("cube facts: (revenue - cost) / revenue over order lines with a known cost"),
    ),
    Kpi(
        "revenue_growth",
        "financial",
        _("Revenue growth"),
        "growth",
        H,
        _("cube: revenue against the same days of the previous period"),
    ),
    Kpi(
        "average_order",
        "financial",
        _("Average order value"),
        "money",
        H,
        _("cube: revenue / orders"),
    ),
    Kpi(
        "active_customers",
        "customer",
        _("Active customers"),
        "count",
        H,
        _("cube: customers with an order in the period"),
    ),
    Kpi(
        "retention",
        "customer",
        # In context: privacy's "Retention" (of personal data) is another word in Spanish.
        pgettext_lazy("kpi", "Retention"),
        "percent",
        H,
        _("cube facts: customers of the previous period who bought again in this one"),
    ),
    Kpi(
        "mvc_share",
        "customer",
        _("Revenue from most valuable customers"),
        "percent",
        H,
        _("cube: revenue of tier MVC / revenue"),
    ),
    Kpi(
        "at_risk",
        "customer",
        _("Customers lapsing or lapsed"),
        "percent",
        L,
        _("cube facts: customers who ever bought whose lifecycle stage is lapsing or lapsed"),
    ),
    Kpi(
        "fulfilled",
        "process",
        _("Orders fulfilled"),
        "percent",
        H,
        _("cube facts: orders delivered, completed or (partly) returned / orders not cancelled"),
    ),
    Kpi(
        "returns_rate",
        "process",
        _("Returns rate"),
        "percent",
        L,
        _("cube facts: returned revenue / revenue of order lines"),
    ),
    Kpi(
        "contacts_per_order",
        "process",
        _("Contacts per order"),
        "ratio",
        L,
        _("cube: contacts (not order notices) / orders"),
    ),
    Kpi(
        "known_identity",
        "learning",
        _("Customers with a known identity"),
        "percent",
        H,
        _("customers: live profiles with a valid national id, an e-mail or a phone"),
    ),
    Kpi(
        "consented",
        "learning",
        _("Customers with marketing consent"),
        "percent",
        H,
        _("customers: live profiles with a marketing consent in force"),
    ),
    Kpi(
        "multichannel",
        "learning",
        _("Multichannel customers"),
        "percent",
        H,
        _("cube facts: customers who bought in two or more channels / customers who bought"),
    ),
)
KPIS: dict[str, Kpi] = {k.code: k for k in _KPI_LIST}


class PeriodError(DomainError):
    code = "period_invalid"


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month: [start, end) in days."""

    code: str
    start: date
    end: date  # exclusive

    def previous(self) -> Period:
        if len(self.code) == 4:
            return parse_period(str(int(self.code) - 1))
        if "Q" in self.code:
            year, quarter = int(self.code[:4]), int(self.code[-1])
            year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
            return parse_period(f"{year}-Q{quarter}")
        year, month = int(self.code[:4]), int(self.code[5:])
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return parse_period(f"{year}-{month:02d}")


_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?$")


def parse_period(code: str) -> Period:
    """``2026`` (a year), ``2026-Q4`` (a quarter) or ``2026-11`` (a month)."""
    found = _PERIOD.match((code or "").strip())
    if not found or not 1900 <= int(found.group(1)) <= 2999:
        raise PeriodError(
            _("give a year (2026), a quarter (2026-Q4) or a month (2026-11)."), field="period"
        )
    year, part = int(found.group(1)), found.group(2)
    if part is None:
        return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))
    if part.startswith("Q"):
        first = 3 * (int(part[1]) - 1) + 1
        end = date(year + 1, 1, 1) if first == 10 else date(year, first + 3, 1)
        return Period(f"{year}-{part}", date(year, first, 1), end)
    month = int(part)
    last = calendar.monthrange(year, month)[1]
    end = date.fromordinal(date(year, month, last).toordinal() + 1)
    return Period(f"{year}-{month:02d}", date(year, month, 1), end)


def current_period(today: date, grain: str = "quarter") -> Period:
    if grain == "year":
        return parse_period(str(today.year))
    if grain == "month":
        return parse_period(f"{today.year}-{today.month:02d}")
    return parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


def targets_in_force(period: str) -> dict[str, ScorecardTarget]:
    """The latest target set for each KPI in ``period``."""
    found: dict[str, ScorecardTarget] = {}
    rows = ScorecardTarget.objects.filter(period=period).select_related("set_by")
    for row in rows.order_by("kpi", "-set_at", "-pk"):
        found.setdefault(row.kpi, row)
    return found


def target_history(kpi: str, period: str, limit: int = 10) -> list[ScorecardTarget]:
    rows = ScorecardTarget.objects.filter(kpi=kpi, period=period).select_related("set_by")
    return list(rows.order_by("-set_at", "-pk")[:limit])


def status(value: float | None, target: ScorecardTarget | None) -> str:
    """``green`` when the target is met, ``amber`` within its tolerance, else ``red``;
    ``none`` without a target or a value."""
    if value is None or target is None:
        return "none"
    goal = float(target.target)
    slack = abs(goal) * float(target.amber_within) / 100
    gap = value - goal if target.direction == H else goal - value
    if gap >= 0:
        return "green"
    return "amber" if -gap <= slack else "red"


def recent_periods(today: date) -> list[Period]:
    """The choices of the period picker: this year and last, their quarters, the last months."""
    codes = [str(today.year), str(today.year - 1)]
    quarter = current_period(today)
    for _i in range(6):
        codes.append(quarter.code)
        quarter = quarter.previous()
    month = current_period(today, "month")
    for _i in range(12):
        codes.append(month.code)
        month = month.previous()
    return [parse_period(c) for c in codes]


def kpi_values(scope: Any, period: Period, today: date) -> dict[str, float | None]:
    """Each KPI's value over ``period`` (up to ``today``) within ``scope``; None when the
    data cannot say (no orders, no cost known …) and for a period that has not begun."""
    if period.start > today:
        return dict.fromkeys(KPIS)
    start, end = scorecard_figures.span(period.start, period.end, today)
    return scorecard_figures.values(scope, start, end, period.previous().start)


def board(scope: Any, period: Period, today: date) -> list[dict[str, Any]]:
    """The scorecard as the page shows it: per perspective, each KPI with its value, the
    target in force, the status and who set the target."""
    values = kpi_values(scope, period, today)
    targets = targets_in_force(period.code)
    shown = []
    for code, label in PERSPECTIVES:
        rows = []
        for kpi in _KPI_LIST:
            if kpi.perspective != code:
                continue
            target = targets.get(kpi.code)
            value = values.get(kpi.code)
            rows.append(
                {"kpi": kpi, "value": value, "target": target, "status": status(value, target)}
            )
        shown.append({"code": code, "label": label, "rows": rows})
    return shown
