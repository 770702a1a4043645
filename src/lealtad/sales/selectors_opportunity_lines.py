"""Reads of an opportunity's product lines, each with its net, and what they add up to."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lealtad.sales import selectors
from lealtad.sales.choices import StageKind
from lealtad.sales.models import Opportunity, OpportunityLine
from lealtad.sales.services.opportunity_lines import net


@dataclass(frozen=True)
class Line:
    row: OpportunityLine
    net: Decimal


@dataclass(frozen=True)
class Lines:
    """The deal, its lines in the order they were written, their total, and whether they may
    still change (only while the deal is open)."""

    opportunity: Opportunity
    lines: list[Line]
    total: Decimal

    @property
    def frozen(self) -> bool:
        return self.opportunity.stage.kind != StageKind.OPEN


def lines_of(opportunity_id: int) -> Lines:
    """The opportunity's lines (404 ``opportunity`` when there is no such deal)."""
    found = selectors.opportunity(opportunity_id)
    lines = [Line(r, net(r)) for r in found.lines.order_by("id")]
    return Lines(found, lines, sum((line.net for line in lines), Decimal("0.00")))
