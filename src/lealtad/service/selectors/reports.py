"""The service desk's reports as tables: every figure of :mod:`.metrics` by name, with the
same columns in the JSON answer, the CSV export (API, page and CLI) and the page's tables.

A CSV cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` …) is written
with a leading apostrophe (CSV injection); numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.service.selectors import metrics
from lealtad.service.selectors import surveys as survey_reads
from lealtad.service.selectors.metrics import Scope

Table = tuple[list[str], list[dict[str, Any]]]

FCR = ["group", "resolved", "first_contact", "rate", "customer_wrote", "reopened"]
FCR += ["escalated_or_transferred", "other_outcome"]
AGES = ["lt1d", "1to3d", "3to7d", "gt7d", "total"]
SLA = ["dimension", "key", "cases", "first_targets", "first_met", "first_met_pct"]
SLA += ["resolution_targets", "resolution_met", "resolution_met_pct", "breached"]
CASE_COST = ["number", "customer_id", "group", "category", "channel", "resolved_at"]
CASE_COST += ["handling", "field", "total"]
SURVEYS = ["category", "subtype", "product_sku", "answered", "unhappy", "csat_avg", "nps"]


def _backlog(scope: Scope) -> Table:
    rows = [{"when": "now", **r} for r in metrics.backlog_now(scope)]
    rows += [{"when": "period_end", **r} for r in metrics.backlog_at_end(scope)]
    return ["when", "group", "status", *AGES], rows


def _surveys(scope: Scope) -> Table:
    found = survey_reads.root_causes(scope.since, scope.until)
    return SURVEYS, [{k: getattr(r, k) for k in SURVEYS} for r in found]


REPORTS: dict[str, Callable[[Scope], Table]] = {
    "fcr": lambda s: (FCR, metrics.first_contact(s)),
    "backlog": _backlog,
    "daily": lambda s: (["day", "opened", "resolved"], metrics.daily(s)),
    "sla": lambda s: (SLA, metrics.sla(s)),
    "resolution": lambda s: (
        ["dimension", "key", "cases", "median_hours", "p90_hours"],
        metrics.resolution(s),
    ),
    "cost-per-case": lambda s: (CASE_COST, metrics.cost_per_case(s)),
    "cost-per-customer": lambda s: (
        ["customer_id", "cases", "handling", "field", "total"],
        metrics.cost_per_customer(s),
    ),
    "survey-root-causes": _surveys,
}


def table(name: str, scope: Scope) -> Table:
    found = REPORTS.get(name)
    if found is None:
        raise metrics.MetricsRefused(
            _("There is no report %(name)s (one of: %(known)s)."),
            field="name",
            code="not_found",
            kind="not_found",
            name=name[:60],
            known=", ".join(REPORTS),
        )
    return found(scope)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(name: str, scope: Scope) -> str:
    """The report as CSV: a header row of column names, then one row per table row."""
    header, rows = table(name, scope)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in header])
    return out.getvalue()


def file_name(name: str, scope: Scope) -> str:
    first = timezone.localdate(scope.since).isoformat()
    last = timezone.localdate(scope.until).isoformat()
    return f"service-{name}-{first}-{last}.csv"


def figures(scope: Scope) -> dict[str, Any]:
    """Every figure of the period at once (the API's JSON, the page and the CLI)."""
    return {
        "period": {"from": scope.since, "to": scope.until},
        "filters": {"group": scope.group, "channel": scope.channel, "category": scope.category},
        "fcr": metrics.first_contact(scope),
        "backlog": {
            "now": metrics.backlog_now(scope),
            "period_end": metrics.backlog_at_end(scope),
            "daily": metrics.daily(scope),
        },
        "sla": {"rows": metrics.sla(scope), "breached_open_now": metrics.breached_open(scope)},
        "resolution": metrics.resolution(scope),
        "cost": {
            "by_group": metrics.cost_summary(scope),
            "dearest_cases": metrics.cost_per_case(scope, limit=10),
            "dearest_customers": metrics.cost_per_customer(scope, limit=10),
        },
    }
