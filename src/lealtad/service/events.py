"""Hub wiring of the service desk."""

from __future__ import annotations

from lealtad.service.services import mailbox, outbound  # noqa: F401  (mail: subscribers, poll tick)
from lealtad.service.services import surveys  # noqa: F401,E402  (surveys: subscribers, tick)
from lealtad.core import hub  # noqa: E402
from lealtad.service.services import sla_job  # noqa: E402

hub.before_pass(sla_job.tick)  # the SLA job: warnings, breaches, escalations (once a minute)
