"""New customers through ``channels.services.ingest`` in this process (no HTTP): events per
second, CPU per event and the garbage collector's share, for A/B runs between commits.

Run it on a base loaded by ``lealtad demo`` with a trained model (``lealtad identity train``)::

    LEALTAD_HOME=/tmp/bench50k .venv/bin/python benchmarks/ingest_inprocess.py

For another commit, check it out in a worktree and point ``BENCH`` at its ``benchmarks``
folder (``harness`` puts that tree's ``src`` first on the path)::

    BENCH=/tmp/wt-old/benchmarks LEALTAD_HOME=/tmp/bench50k .venv/bin/python \\
        benchmarks/ingest_inprocess.py

Every event must be ``created``; the base grows by ``--rounds`` x 1,000 customers a run.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH", str(Path(__file__).resolve().parent)))
from harness import django_setup

django_setup()

from ingest_data import draw_person, upsert_event  # noqa: E402

import lealtad  # noqa: E402
from lealtad.channels import services  # noqa: E402
from lealtad.core.audit import Actor  # noqa: E402


class CollectorClock:
    """Seconds the garbage collector ran, from its own callbacks."""

    def __init__(self) -> None:
        self.seconds, self._began = 0.0, 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    print(f"code: {Path(lealtad.__file__).parent}")
    rng = random.Random(time.time_ns())
    actor, clock = Actor.system("bench"), CollectorClock()

    def batch(n: int) -> list[dict]:
        return [upsert_event(draw_person(rng), f"ip-{uuid.uuid4().hex}", i) for i in range(n)]

    services.ingest(batch(50), actor)  # the model and the index loaded
    rates, cpus, collector = [], [], []
    for _ in range(args.rounds):
        events, clock.seconds = batch(args.size), 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        results = services.ingest(events, actor)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert all(r.status == "created" for r in results), "every event adds a customer"
        rates.append(args.size / wall)
        cpus.append(cpu * 1000 / args.size)
        collector.append(clock.seconds * 1000 * 1000 / args.size)
    print(
        f"median of {args.rounds} rounds of {args.size:,}: {statistics.median(rates):,.0f} "
        f"events/s, CPU {statistics.median(cpus):.2f} ms an event, collector "
        f"{statistics.median(collector):.0f} ms per 1,000 events"
    )


if __name__ == "__main__":
    main()
