"""What arrives at the contact center from the API, CTI, the IVR and mail: checked at the edge."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MediumName = Literal["voice", "email", "chat", "callback", "voicemail"]


class ContactIn(BaseModel):
    """A contact arriving on any medium; one of caller id, address or customer id says who."""

    model_config = ConfigDict(extra="forbid")

    medium: MediumName = "voice"
    queue: str = Field(min_length=1, max_length=60)
    direction: Literal["inbound", "outbound"] = "inbound"
    caller_id: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=200)
    customer_id: int | None = Field(default=None, ge=1)
    source: str = Field(default="", max_length=60)
    external_ref: str = Field(default="", max_length=120)
    ivr_data: dict[str, Any] = Field(default_factory=dict)
    # A call-back or a transferred contact keeps the place it had in line.
    place_at: datetime | None = None


class WrapUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(default="", max_length=60)
    outcome: Literal["resolved", "commitment", "escalated", "transferred"] = "resolved"
    notes: str = Field(default="", max_length=5000)
    follow_up_on: date | None = None
    open_case: bool = Field(
        default=False, description="Have the service desk open a case for it (through the hub)"
    )


class ContactOut(BaseModel):
    id: int
    medium: str
    direction: str
    status: str
    queue: str | None
    agent_id: int | None
    customer_id: int | None
    candidates: list[int]
    caller_id: str
    subject: str
    tier: str
    ivr_data: dict[str, Any]
    place_at: datetime
    arrived_at: datetime
    offered_at: datetime | None
    answered_at: datetime | None
    released_at: datetime | None
    ended_at: datetime | None
    outcome: str
    wrap_up_code: str


class AgentOut(BaseModel):
    id: int
    name: str
    team: str
    state: str
    state_reason: str
    state_since: datetime | None
    skills: dict[str, int]
