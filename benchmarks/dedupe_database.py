"""Batch identity resolution of a whole customer base read from the database.

Runs, each in its own process (so each peak memory is its own) against an existing base
(``LEALTAD_HOME``, e.g. one made by ``benchmarks/demo_load.py --customers 1000000 --keep``):

1. ``lealtad identity train`` (unless ``--no-train`` and a model exists);
2. ``lealtad identity dedupe --report FILE.csv`` (a dry run: nothing is merged).

Prints each run's phases (load, blocking, scoring, clustering, report), wall clock and peak
RSS against the targets (a million customers: ≤ 120 s, ≤ 4 GB), and what the dedupe found.
It writes the model to ``$LEALTAD_HOME/identity/model.json`` and never changes the database.

Run: ``LEALTAD_HOME=/tmp/lealtad-1m .venv/bin/python benchmarks/dedupe_database.py``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import report

WALL_TARGET_S = 120.0
MEMORY_TARGET_GB = 4.0


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def worker(step: str, report_path: str) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    django.setup()
    from lealtad.customers import dedupe, dedupe_run

    started = time.perf_counter()
    if step == "train":
        model, _ = dedupe.train_model()
        out: dict[str, Any] = {
            "records": model.info.get("records"),
            "lambda": model.lam,
            "lambda_household": model.lam_household,
        }
    else:
        run = dedupe_run.run_dedupe(report=Path(report_path))
        out = run.summary()
    out["wall_s"] = time.perf_counter() - started
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    out["cpu_s"] = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    out["peak_gb"] = _peak_gb()
    return out


def _run(step: str, report_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", step, "--report", str(report_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-train", action="store_true", help="use the saved model")
    parser.add_argument("--report", help="where the CSV report goes (default: a temp file)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.report)))
        return
    home = os.environ.get("LEALTAD_HOME")
    if not home:
        raise SystemExit("set LEALTAD_HOME to the base to deduplicate")
    with tempfile.TemporaryDirectory(prefix="dedupe-report-") as tmp:
        report_path = Path(args.report) if args.report else Path(tmp) / "pairs.csv"
        print(f"base: {home}; load average {os.getloadavg()[0]:.2f}", flush=True)
        if not args.no_train or not (Path(home) / "identity" / "model.json").exists():
            trained = _run("train", report_path)
            print(f"identity train: {trained['records']:,} customers", flush=True)
            report("train wall", trained["wall_s"], "s")
            report("train CPU (user + system)", trained["cpu_s"], "s")
            report("train peak RSS", trained["peak_gb"], "GB", MEMORY_TARGET_GB)
            print(
                f"  prior λ={trained['lambda']:.3g}, λ_household={trained['lambda_household']:.3g}",
                flush=True,
            )
        found = _run("dedupe", report_path)
        print(f"identity dedupe --report: {found['records']:,} customers", flush=True)
        for phase, seconds in found["seconds"].items():
            report(f"  {phase}", seconds, "s")
        report("dedupe wall (load + match + report)", found["wall_s"], "s", WALL_TARGET_S)
        report("dedupe CPU, all processes (user + system)", found["cpu_s"], "s")
        report("dedupe peak RSS", found["peak_gb"], "GB", MEMORY_TARGET_GB)
        print(
            f"  {found['candidate_pairs']:,} candidate pairs, {found['pairs_reported']:,} "
            f"reported, {found['pairs_linked']:,} linked, {found['clusters']:,} clusters "
            f"({found['customers_in_clusters']:,} customers, largest "
            f"{found['largest_cluster']}); load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
