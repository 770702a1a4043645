"""What-if over HTTP (``POST /api/v1/contactcenter/whatif``): agents per queue, arrivals or
a date's recorded arrivals, a policy in; the simulated day's figures out. Supervisors only.
Thin: capability, body, ``whatif.run``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lealtad.contactcenter.selectors import whatif
from lealtad.core.access import require
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])


class FiguresOut(Schema):
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    waiting: int
    answered_within: int
    wait_seconds: float
    handle_seconds: float
    service_level: float
    service_level_of_offered: float
    abandon_rate: float
    asa: float


class QueueTierOut(FiguresOut):
    queue: str
    tier: str


class WhatIfOut(Schema):
    total: FiguresOut
    queues: dict[str, FiguresOut]
    tiers: dict[str, FiguresOut]
    queue_tiers: list[QueueTierOut]
    queue_intervals: dict[str, list[FiguresOut]]
    occupancy: dict[str, float]
    overall_occupancy: float
    calls: int
    engine: str
    seed: int
    wall_seconds: float
    policy: str
    interval_seconds: int
    date: str | None


@router.post("/contactcenter/whatif", response=WhatIfOut)
def run_whatif(request: HttpRequest, body: whatif.WhatIfIn) -> dict[str, Any]:
    """Simulate a day of the configured center. Service level excludes abandons within 5 s;
    ``service_level_of_offered`` keeps them (Erlang A's convention)."""
    require(request, Capability.CONTACT_SUPERVISE)
    return whatif.summary(whatif.run(body), body)
