"""Hub wiring of the service desk."""

from __future__ import annotations

from lealtad.core import hub, support_costs
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
