"""What a quote shows, screen and PDF alike: its heading and its computed totals (no Django
import, so the 1,000-quote check builds documents without a database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lealtad.sales.quote_totals import QuoteTotals


@dataclass(frozen=True)
class QuoteDocument:
    number: str
    version: int
    title: str
    customer: str
    issued: date
    valid_until: date | None
    currency: str
    country: str
    tax_name: str
    status: str
    totals: QuoteTotals

    @property
    def reference(self) -> str:
        return f"{self.number} v{self.version}"

    @property
    def show_groups(self) -> bool:
        """Sections are shown with their subtotals once the seller named one."""
        return len(self.totals.groups) > 1 or any(g.name for g in self.totals.groups)
