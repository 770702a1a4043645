"""Staffing over HTTP (``/api/v1/contactcenter/staffing``): agents per interval for a target.

``GET`` plans a day from the center's recorded arrivals (query parameters); ``POST`` takes the
whole request (posted intervals or ``from_history``). Supervisors only. Thin: capability,
body, ``staffing.plan``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from lealtad.contactcenter.selectors import staffing
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability

router = Router(tags=["contact center"])


class TargetOut(Schema):
    service_level: float | None
    within_seconds: float
    max_asa_seconds: float | None
    max_abandon: float | None
    max_occupancy: float | None
    patience_seconds: float | None


class PoolOut(Schema):
    name: str
    queues: list[str]
    calls: list[float]
    aht_seconds: list[float]
    agents: list[int]
    scheduled: list[int]
    service_level: list[float]
    asa_seconds: list[float]
    occupancy: list[float]
    abandon: list[float]
    separate_agents: list[int]
    saving: list[int]
    agent_intervals: int
    scheduled_intervals: int
    separate_agent_intervals: int


class StaffingOut(Schema):
    model: str
    date: str | None
    interval_seconds: int
    intervals: list[str]
    target: TargetOut
    shrinkage: float
    queues: dict[str, dict[str, Any]]
    pools: list[PoolOut]
    agents: list[int]
    scheduled: list[int]
    saving: int


class HistoryQuery(Schema):
    date: staffing.Day | None = None
    weeks: int = Field(default=4, ge=1, le=26)
    queue: list[str] | None = None
    interval_seconds: staffing.IntervalSeconds = 900
    service_level: float | None = Field(default=0.8, gt=0, lt=1, allow_inf_nan=False)
    within_seconds: float = Field(default=15, ge=0, le=3600, allow_inf_nan=False)
    patience_seconds: float | None = Field(default=None, ge=1, le=86_400, allow_inf_nan=False)


@router.get("/contactcenter/staffing", response={200: StaffingOut, **errors(404, 409)})
def staffing_from_history(request: HttpRequest, query: Query[HistoryQuery]) -> dict[str, Any]:
    """A day planned from the recorded arrivals of the last ``weeks`` (default: tomorrow)."""
    require(request, Capability.CONTACT_SUPERVISE)
    body = staffing.request_from(
        from_history=True,
        history_queues=query.queue or None,
        date=query.date,
        weeks=query.weeks,
        interval_seconds=query.interval_seconds,
        service_level=query.service_level,
        within_seconds=query.within_seconds,
        patience_seconds=query.patience_seconds,
    )
    return staffing.plan(body)


@router.post("/contactcenter/staffing", response={200: StaffingOut, **errors(404, 409)})
def staffing_plan(request: HttpRequest, body: staffing.StaffingIn) -> dict[str, Any]:
    """Agents per interval for posted volumes (or ``from_history``). Queues that share agents
    are staffed as one pool (default: the queues of one skill); ``saving`` is what that pooling
    saves against staffing each queue apart, in agent-intervals."""
    require(request, Capability.CONTACT_SUPERVISE)
    return staffing.plan(body)
