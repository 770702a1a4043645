"""Hub wiring of the service desk."""

from __future__ import annotations

from lealtad.core import hub
from lealtad.service.services import (  # noqa: F401  (subscribers and ticks register on import)
    mailbox,
    outbound,
    sla_job,
    surveys,
)

hub.before_pass(sla_job.tick)  # the SLA job: warnings, breaches, escalations (once a minute)
