"""What-if runs of the simulator on the center as it is configured.

A supervisor asks "what if I had 3 more agents on billing tomorrow morning", or "how would
last Monday have gone under first-come-first-served": the queues (skill, proficiency,
relaxation, overflow) and the value head starts come from the live configuration, the
arrivals from the request or from a date's journal (``contact.arrived`` rows, replayed as
recorded, with their recorded tiers). Only reads: a what-if writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field

from lealtad.contact_engine.routing.model import QueueSpec
from lealtad.contact_engine.routing.priority import PriorityWeights
from lealtad.contact_engine.simulation import (
    AgentGroup,
    Distribution,
    Policy,
    QueueLoad,
    Scenario,
    SimulationResult,
    simulate,
)
from lealtad.contact_engine.simulation.engine import Progress
from lealtad.contactcenter import selectors
from lealtad.contactcenter.errors import CenterRefused, NotThere
from lealtad.contactcenter.models import Queue

#: Bounds that keep one request to a few seconds of one core.
MOST_CALLS = 2_000_000
MOST_INTERVALS = 7 * 96
DAY = 86_400


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueWhatIf(Strict):
    queue: str = Field(min_length=1, max_length=60, description="A configured queue's name")
    agents: int | list[int] = Field(
        default=0, description="Agents for this queue alone: one head count or one per interval"
    )
    arrivals: list[float] | None = Field(
        default=None,
        max_length=MOST_INTERVALS,
        description="Expected calls per interval (Poisson); none: the date's recorded ones",
    )
    aht_seconds: float = Field(default=300.0, gt=0, le=86_400, description="Mean handle time")
    handle_cv: float | None = Field(
        default=None, ge=0, le=10, description="None: exponential; else lognormal with this CV"
    )
    patience_seconds: float | None = Field(
        default=120.0, gt=0, le=86_400, description="Mean patience; none: nobody hangs up"
    )
    tier_mix: dict[str, float] | None = Field(
        default=None, description="Share per value tier; none: recorded, else all regular"
    )


class GroupWhatIf(Strict):
    name: str = Field(min_length=1, max_length=60)
    skills: dict[str, int] = Field(description="Skill name -> proficiency 1..10")
    agents: int | list[int] = Field(description="One head count or one per interval")


class WhatIfIn(Strict):
    queues: list[QueueWhatIf] = Field(min_length=1, max_length=50)
    groups: list[GroupWhatIf] = Field(default_factory=list, max_length=50)
    date: dt.date | None = Field(default=None, description="Replay this day's recorded arrivals")
    interval_seconds: int = Field(default=900, ge=60, le=DAY)
    policy: Literal["value_skills", "fcfs"] = "value_skills"
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


def run(request: WhatIfIn, on_progress: Progress | None = None) -> SimulationResult:
    """Simulate the request on the configured center; refusals name the field at fault."""
    return simulate(build(request), seed=request.seed, on_progress=on_progress)


def build(request: WhatIfIn) -> Scenario:
    configured = {q.name: q for q in selectors.queues().prefetch_related("overflows__to_queue")}
    chosen = [item.queue for item in request.queues]
    for index, name in enumerate(chosen):
        if name not in configured:
            raise NotThere(
                _("There is no active queue %(name)s."), field=f"queues[{index}].queue", name=name
            )
        if chosen.index(name) != index:
            raise CenterRefused(
                _("Queue %(name)s is listed twice."), field=f"queues[{index}].queue", name=name
            )
    recorded = _recorded(request, chosen)
    loads = [
        _load(item, configured[item.queue], set(chosen), recorded, index)
        for index, item in enumerate(request.queues)
    ]
    dedicated = (
        _dedicated(item, configured[item.queue], i) for i, item in enumerate(request.queues)
    )
    groups = [g for g in dedicated if g is not None]
    for index, group in enumerate(request.groups):
        groups.append(
            _checked(
                f"groups[{index}]", lambda g=group: AgentGroup(g.name, g.skills, _heads(g.agents))
            )
        )
    scenario = _checked(
        "",
        lambda: Scenario(
            tuple(loads),
            tuple(groups),
            float(request.interval_seconds),
            Policy(request.policy),
            _weights(),
        ),
    )
    _bounded(scenario)
    return scenario


def _checked(field: str, make: Any) -> Any:
    """The engine's ValueError ("field: reason") as a refusal naming the request's field."""
    try:
        return make()
    except ValueError as exc:
        raise CenterRefused(
            _("The what-if is not valid: %(reason)s"), field=field or "body", reason=str(exc)
        ) from exc


def _heads(agents: int | list[int]) -> int | tuple[int, ...]:
    return agents if isinstance(agents, int) else tuple(agents)


def _weights() -> PriorityWeights:
    """The live router's head starts (CenterSettings), so a what-if ranks callers as it does."""
    settings = selectors.center_settings()
    return PriorityWeights(
        tier_seconds=dict(settings.tier_head_start),
        churn_seconds=settings.churn_head_start_seconds,
        cap_seconds=settings.head_start_cap_seconds,
    )


def _spec(queue: Queue, simulated: set[str]) -> QueueSpec:
    """The queue as the router sees it; overflow to a queue outside the what-if is dropped."""
    return QueueSpec(
        name=queue.name,
        skill=queue.skill.name,
        level=queue.level,
        min_proficiency=queue.min_proficiency,
        relax_after=queue.relax_after_seconds,
        overflow=tuple(
            (float(step.after_seconds), step.to_queue.name)
            for step in queue.overflows.all()
            if step.to_queue.name in simulated
        ),
        service_level_seconds=float(queue.service_level_seconds),
        service_level_target=queue.service_level_target,
    )


def _load(
    item: QueueWhatIf,
    queue: Queue,
    simulated: set[str],
    recorded: dict[str, tuple[list[int], Counter[str]]],
    index: int,
) -> QueueLoad:
    field = f"queues[{index}]"
    if item.arrivals is None and item.queue not in recorded:
        raise CenterRefused(
            _("Give the expected arrivals, or a date to replay."), field=f"{field}.arrivals"
        )
    counts, tiers = recorded.get(item.queue, ([], Counter()))
    mix = item.tier_mix or (dict(tiers) if tiers and item.arrivals is None else None)

    def make() -> QueueLoad:
        handle = (
            Distribution(item.aht_seconds)
            if item.handle_cv is None
            else Distribution(item.aht_seconds, "lognormal", item.handle_cv)
        )
        patience = None if item.patience_seconds is None else Distribution(item.patience_seconds)
        return QueueLoad(
            queue=_spec(queue, simulated),
            arrivals=tuple(item.arrivals if item.arrivals is not None else counts),
            handle_time=handle,
            patience=patience,
            tier_mix=mix or {"regular": 1.0},
            replay=item.arrivals is None,
        )

    return _checked(field, make)  # type: ignore[no-any-return]


def _dedicated(item: QueueWhatIf, queue: Queue, index: int) -> AgentGroup | None:
    """The queue's own agents, skilled just enough for it (never below proficiency 5)."""
    if item.agents == 0 or item.agents == []:
        return None
    level = max(queue.min_proficiency, 5)
    return _checked(  # type: ignore[no-any-return]
        f"queues[{index}].agents",
        lambda: AgentGroup(f"{item.queue}-agents", {queue.skill.name: level}, _heads(item.agents)),
    )


def _recorded(request: WhatIfIn, queues: list[str]) -> dict[str, tuple[list[int], Counter[str]]]:
    """Arrivals per queue and interval on ``request.date`` (local midnight to midnight)."""
    if request.date is None:
        return {}
    start = timezone.make_aware(dt.datetime.combine(request.date, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(request.date + dt.timedelta(days=1), dt.time.min))
    slots = -(-DAY // request.interval_seconds)
    found: dict[str, tuple[list[int], Counter[str]]] = {q: ([0] * slots, Counter()) for q in queues}
    rows = selectors.journal_between(start, end).filter(kind="contact.arrived", queue__in=queues)
    for at, queue, tier in rows.values_list("at", "queue", "tier").iterator():
        slot = min(int((at - start).total_seconds() // request.interval_seconds), slots - 1)
        counts, tiers = found[queue]
        counts[slot] += 1
        tiers[tier or "unknown"] += 1
    return found


def _bounded(scenario: Scenario) -> None:
    if scenario.intervals > MOST_INTERVALS:
        raise CenterRefused(
            _("A what-if covers at most %(most)s intervals."), field="queues", most=MOST_INTERVALS
        )
    calls = sum(sum(load.arrivals) for load in scenario.queues)
    if calls > MOST_CALLS:
        raise CenterRefused(
            _("A what-if simulates at most %(most)s calls; this one expects %(calls)s."),
            field="queues",
            most=MOST_CALLS,
            calls=round(calls),
        )


def summary(result: SimulationResult, scenario_request: WhatIfIn) -> dict[str, Any]:
    """The answer the API and ``--json`` give: the figures and what was simulated."""
    return {
        **result.to_dict(),
        "policy": scenario_request.policy,
        "interval_seconds": scenario_request.interval_seconds,
        "date": scenario_request.date.isoformat() if scenario_request.date else None,
    }
