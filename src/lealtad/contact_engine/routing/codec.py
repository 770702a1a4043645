"""Plain-JSON forms of the routing specs, for ``Router.snapshot`` and ``Router.restore``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import AgentSpec, ContactSpec, Medium, QueueSpec


def queue_to_dict(queue: QueueSpec) -> dict[str, Any]:
    return {
        "name": queue.name,
        "skill": queue.skill,
        "level": queue.level,
        "min_proficiency": queue.min_proficiency,
        "relax_after": queue.relax_after,
        "overflow": [[after, target] for after, target in queue.overflow],
        "service_level_seconds": queue.service_level_seconds,
        "service_level_target": queue.service_level_target,
    }


def queue_from_dict(data: Mapping[str, Any]) -> QueueSpec:
    return QueueSpec(
        name=data["name"],
        skill=data["skill"],
        level=int(data.get("level", 1)),
        min_proficiency=int(data.get("min_proficiency", 1)),
        relax_after=None if data.get("relax_after") is None else float(data["relax_after"]),
        overflow=tuple((float(after), str(target)) for after, target in data.get("overflow", ())),
        service_level_seconds=float(data.get("service_level_seconds", 15.0)),
        service_level_target=float(data.get("service_level_target", 0.8)),
    )


def agent_to_dict(agent: AgentSpec) -> dict[str, Any]:
    return {
        "id": agent.id,
        "skills": dict(agent.skills),
        "capacity": {str(medium): count for medium, count in agent.capacity.items()},
        "max_total": agent.max_total,
    }


def agent_from_dict(data: Mapping[str, Any]) -> AgentSpec:
    return AgentSpec(
        id=int(data["id"]),
        skills={str(k): int(v) for k, v in data.get("skills", {}).items()},
        capacity={Medium(k): int(v) for k, v in data.get("capacity", {}).items()},
        max_total=None if data.get("max_total") is None else int(data["max_total"]),
    )


def contact_to_dict(contact: ContactSpec) -> dict[str, Any]:
    return {
        "id": contact.id,
        "medium": str(contact.medium),
        "queue": contact.queue,
        "arrived_at": contact.arrived_at,
        "tier": contact.tier,
        "clv": contact.clv,
        "churn_risk": contact.churn_risk,
    }


def contact_from_dict(data: Mapping[str, Any]) -> ContactSpec:
    return ContactSpec(
        id=int(data["id"]),
        medium=Medium(data["medium"]),
        queue=str(data["queue"]),
        arrived_at=float(data["arrived_at"]),
        tier=str(data.get("tier", "regular")),
        clv=float(data.get("clv", 0.0)),
        churn_risk=float(data.get("churn_risk", 0.0)),
    )
