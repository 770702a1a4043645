"""Dispatching a day of field visits with the pure core (issue 14).

A day of ``--visits`` visits (skills and zones drawn at random, 30-180 minutes) is planned
greedily, one visit after another, over ``--technicians`` technicians with two or three skills
and one or two zones each: every plan asks ``dispatch.choose`` over all technicians with what
is already booked. The peer, in the same run: the same greedy day with a naive slot search
that tries every 5-minute start of the day against every booking (what a dispatcher's
spreadsheet macro does). Both must give the same plans (technician and start of every visit).

    .venv/bin/python benchmarks/service_dispatch.py [--visits 2000] [--technicians 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lealtad.service_engine import dispatch

SKILLS = ["caldera", "aire", "refrigeracion", "lavadora", "cocina", "electrico"]
ZONES = ["norte", "sur", "centro", "valle", "cumbaya", "tumbaco"]
DAY = datetime(2026, 12, 7, 8, 0)
END = datetime(2026, 12, 7, 18, 0)


def technicians(n: int, rng: random.Random) -> list[dispatch.Technician]:
    return [
        dispatch.Technician(
            i,
            frozenset(rng.sample(SKILLS, rng.choice((2, 3)))),
            frozenset(rng.sample(ZONES, rng.choice((1, 2)))),
            DAY,
            END,
        )
        for i in range(n)
    ]


def visits(n: int, rng: random.Random) -> list[dispatch.Visit]:
    return [
        dispatch.Visit(rng.choice(SKILLS), rng.choice(ZONES), rng.choice((30, 60, 90, 120, 180)))
        for _ in range(n)
    ]


def naive_choose(visit: dispatch.Visit, techs: list[dispatch.Technician]) -> dispatch.Plan | None:
    best: tuple | None = None
    need = timedelta(minutes=visit.minutes)
    for t in techs:
        if visit.skill not in t.skills:
            continue
        start = t.day_start
        while start + need <= t.day_end:
            end = start + need
            clash = any(
                b.start - timedelta(minutes=30 if b.zone != visit.zone else 0) < end
                and start < b.end + timedelta(minutes=30 if b.zone != visit.zone else 0)
                for b in t.bookings
            )
            if not clash:
                key = (
                    0 if visit.zone in t.zones else 1,
                    start,
                    sum(int((b.end - b.start).total_seconds() // 60) for b in t.bookings),
                    t.id,
                )
                if best is None or key < best[0]:
                    best = (key, t.id, start, end)
                break
            start += timedelta(minutes=5)
    if best is None:
        return None
    return dispatch.Plan(best[1], best[2], best[3], best[0][0] == 0, best[0][2])


def plan_day(techs, todo, choose) -> tuple[list, float]:
    by_id = {t.id: t for t in techs}
    planned = []
    started = time.perf_counter()
    for visit in todo:
        plan = choose(visit, list(by_id.values()))
        if plan is None:
            continue
        t = by_id[plan.technician_id]
        booked = (*t.bookings, dispatch.Booking(plan.start, plan.end, visit.zone))
        by_id[t.id] = dispatch.Technician(t.id, t.skills, t.zones, t.day_start, t.day_end, booked)
        planned.append((plan.technician_id, plan.start))
    return planned, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    techs, todo = technicians(args.technicians, rng), visits(args.visits, rng)
    planned, took = plan_day(techs, todo, dispatch.choose)
    print(
        f"dispatch core: {len(planned)}/{args.visits} visits over {args.technicians} "
        f"technicians in {took:.3f} s = {args.visits / took:,.0f} plans/s "
        f"({took / args.visits * 1e3:.2f} ms each)"
    )
    naive_planned, naive_took = plan_day(techs, todo, naive_choose)
    print(
        f"naive 5-minute scan: {len(naive_planned)}/{args.visits} in {naive_took:.3f} s = "
        f"{args.visits / naive_took:,.0f} plans/s; core is {naive_took / took:.1f}x faster"
    )
    print(f"same plans: {planned == naive_planned}")


if __name__ == "__main__":
    main()
