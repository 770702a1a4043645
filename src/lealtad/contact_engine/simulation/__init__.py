"""The contact-center simulator: what-if runs of queues, skills, staffing and routing policy.

``simulate(scenario, seed)`` draws every call of the day up front (numpy, seeded), runs the
event loop and returns figures per queue and value tier. See docs/contactcenter-simulation.md.
"""

from lealtad.contact_engine.simulation.results import Figures, SimulationResult
from lealtad.contact_engine.simulation.run import fast_path_applies, simulate
from lealtad.contact_engine.simulation.scenario import (
    AgentGroup,
    Distribution,
    Policy,
    QueueLoad,
    Scenario,
    single_skill,
)

__all__ = [
    "AgentGroup",
    "Distribution",
    "Figures",
    "Policy",
    "QueueLoad",
    "Scenario",
    "SimulationResult",
    "fast_path_applies",
    "simulate",
    "single_skill",
]
