"""Hub wiring of the service desk."""

from __future__ import annotations

from lealtad.service.services import mailbox, outbound  # noqa: F401  (mail: subscribers, poll tick)
from lealtad.service.services import surveys  # noqa: F401,E402  (surveys: subscribers, tick)
