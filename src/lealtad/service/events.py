"""Hub wiring of the service desk, and its section of the customer 360."""

from __future__ import annotations

from typing import Any

from lealtad.core import hub, sections, support_costs
from lealtad.core.roles import Capability
from lealtad.service.selectors import cases as case_reads
from lealtad.service.selectors import metrics
from lealtad.service.services import (  # noqa: F401  (subscribers and ticks register on import)
    mailbox,
    outbound,
    sla_job,
    surveys,
)

hub.before_pass(sla_job.tick)  # the SLA job: warnings, breaches, escalations (once a minute)
# What the desk spent on each customer, for analytics' cost to serve (core/support_costs.py).
support_costs.provide("service", metrics.support_cost_by_customer)


@sections.provide("cases")
def cases_section(customer_id: int, capabilities: frozenset[Any]) -> list[dict[str, Any]]:
    """The customer's cases on their 360 page: part of their history, so only for readers who
    may see the history."""
    if Capability.VIEW_HISTORY not in capabilities:
        return []
    return case_reads.of_customer(customer_id)
