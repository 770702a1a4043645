"""Ready-made centers for the docs, the benchmark, the tests and the demo.

``value_day`` is the day behind the claim that routing by value pays: two queues (billing,
technical) with specialists and a few universal agents, staffed per quarter hour by Erlang A
for a modest target, one caller in ten a most valuable customer (mvc). ``five_skill_center``
is the throughput scenario: 5 skills, 200 agents, relaxation and overflow everywhere.
"""

from __future__ import annotations

import numpy as np

from lealtad.contact_engine.routing.model import QueueSpec
from lealtad.contact_engine.simulation.scenario import (
    AgentGroup,
    Distribution,
    Policy,
    QueueLoad,
    Scenario,
)
from lealtad.contact_engine.staffing.plan import Target, staff

#: One caller in ten is a most valuable customer, as in a typical base's top decile.
VALUE_MIX = {"mvc": 0.10, "mgc": 0.15, "regular": 0.65, "below_zero": 0.10}


def day_curve(intervals: int = 48) -> np.ndarray:
    """A weekday's shape over 12 hours in quarter hours: a morning peak and an afternoon one."""
    k = np.arange(intervals) * (48 / intervals)
    return 0.6 + 0.5 * np.exp(-(((k - 10) / 6) ** 2)) + 0.4 * np.exp(-(((k - 32) / 7) ** 2))


def value_day(
    policy: Policy | str = Policy.VALUE_SKILLS,
    billing_peak: float = 330.0,
    target: float = 0.75,
    universal: int = 10,
) -> Scenario:
    """About 20,000 calls in 12 hours; specialists staffed per interval by Erlang A for
    ``target`` within 15 s (less half the universal agents each), callers patient 2.5-3 min."""
    curve = day_curve()
    billing_calls = billing_peak / curve.max() * curve
    technical_calls = 0.7 * billing_calls
    plans = [
        staff(billing_calls, 240.0, Target(service_level=target, within=15, patience=150), 900),
        staff(technical_calls, 360.0, Target(service_level=target, within=15, patience=180), 900),
    ]
    billing = QueueLoad(
        queue=QueueSpec(
            "billing", "billing", min_proficiency=5, relax_after=30, overflow=((45.0, "technical"),)
        ),
        arrivals=tuple(billing_calls),
        handle_time=Distribution(240.0, "lognormal", 0.8),
        patience=Distribution(150.0),
        tier_mix=VALUE_MIX,
    )
    technical = QueueLoad(
        queue=QueueSpec(
            "technical",
            "technical",
            min_proficiency=5,
            relax_after=30,
            overflow=((45.0, "billing"),),
        ),
        arrivals=tuple(technical_calls),
        handle_time=Distribution(360.0, "lognormal", 0.8),
        patience=Distribution(180.0),
        tier_mix=VALUE_MIX,
    )
    half = universal // 2
    groups = (
        AgentGroup("billing", {"billing": 7, "technical": 3}, _counts(plans[0].agents - half)),
        AgentGroup("technical", {"technical": 7, "billing": 2}, _counts(plans[1].agents - half)),
        AgentGroup("universal", {"billing": 5, "technical": 5}, universal),
    )
    return Scenario((billing, technical), groups, interval_seconds=900.0, policy=Policy(policy))


def _counts(agents: np.ndarray) -> tuple[int, ...]:
    return tuple(max(int(a), 0) for a in agents)


def five_skill_center(
    days: float = 1.0, policy: Policy | str = Policy.VALUE_SKILLS, agents_per_skill: int = 30
) -> Scenario:
    """5 queues, 5 specialist groups of ``agents_per_skill`` with a second skill, and 50
    universal agents (200 in all by default) at about 88% occupancy, around the clock."""
    skills = [f"skill{i}" for i in range(5)]
    intervals = round(days * 96)
    universal = 50
    staffed = 5 * agents_per_skill + universal
    calls = staffed * 0.88 * 900 / 300 / 5
    loads = tuple(
        QueueLoad(
            queue=QueueSpec(
                name=skill,
                skill=skill,
                min_proficiency=6,
                relax_after=20.0,
                overflow=((40.0, skills[(i + 1) % 5]),),
            ),
            arrivals=(calls,) * intervals,
            handle_time=Distribution(300.0, "lognormal", 0.9),
            patience=Distribution(120.0),
            tier_mix=VALUE_MIX,
        )
        for i, skill in enumerate(skills)
    )
    groups = [
        AgentGroup(f"{skill}-specialists", {skill: 8, skills[(i + 2) % 5]: 4}, agents_per_skill)
        for i, skill in enumerate(skills)
    ]
    groups.append(AgentGroup("universal", dict.fromkeys(skills, 6), universal))
    return Scenario(loads, tuple(groups), interval_seconds=900.0, policy=Policy(policy))
