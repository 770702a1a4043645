"""What surveys say: the root-cause report (answers by category and product), a survey by
its case, the CSV export of the report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet

from lealtad.service.models import Survey

UNHAPPY = Q(csat__lte=2) | Q(nps__lte=6)


@dataclass(frozen=True)
class RootCauseRow:
    category: str
    subtype: str
    product_sku: str
    answered: int
    unhappy: int
    csat_avg: float | None
    nps: float | None  # % promoters - % detractors, over answers with an NPS

    @property
    def unhappy_share(self) -> float:
        return self.unhappy / self.answered if self.answered else 0.0


def answered(since: datetime | None = None, until: datetime | None = None) -> QuerySet[Survey]:
    rows = Survey.objects.filter(answered_at__isnull=False)
    if since is not None:
        rows = rows.filter(answered_at__gte=since)
    if until is not None:
        rows = rows.filter(answered_at__lt=until)
    return rows


def root_causes(since: datetime | None = None, until: datetime | None = None) -> list[RootCauseRow]:
    """Where unhappiness comes from: by category, subtype and product, worst first."""
    grouped = (
        answered(since, until)
        .values("category", "subtype", "product_sku")
        .annotate(
            n=Count("id"),
            bad=Count("id", filter=UNHAPPY),
            csat_avg=Avg("csat"),
            with_nps=Count("id", filter=Q(nps__isnull=False)),
            promoters=Count("id", filter=Q(nps__gte=9)),
            detractors=Count("id", filter=Q(nps__lte=6)),
        )
    )
    rows = [
        RootCauseRow(
            g["category"],
            g["subtype"],
            g["product_sku"],
            g["n"],
            g["bad"],
            round(float(g["csat_avg"]), 2) if g["csat_avg"] is not None else None,
            round(100.0 * (g["promoters"] - g["detractors"]) / g["with_nps"], 1)
            if g["with_nps"]
            else None,
        )
        for g in grouped
    ]
    return sorted(rows, key=lambda r: (-r.unhappy, -r.unhappy_share, r.category, r.product_sku))


def _cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def root_causes_csv(rows: list[RootCauseRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["category", "subtype", "product_sku", "answered", "unhappy", "csat_avg", "nps"]
    )
    for r in rows:
        writer.writerow(
            [
                _cell(r.category),
                _cell(r.subtype),
                _cell(r.product_sku),
                r.answered,
                r.unhappy,
                "" if r.csat_avg is None else r.csat_avg,
                "" if r.nps is None else r.nps,
            ]
        )
    return out.getvalue()


def for_case(case_id: int) -> Survey | None:
    return Survey.objects.filter(case_id=case_id).first()


def recent(limit: int = 50) -> list[Survey]:
    return list(answered().order_by("-answered_at")[:limit])
