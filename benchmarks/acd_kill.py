"""Kill -9 of the ACD router 20 times during a simulated hour (issue 13).

A switch simulator rings calls in (150 an hour, twelve agents, two queues) through CTI while
the router process (``lealtad contactcenter route``) is killed with SIGKILL at 20 random
moments and started again at once. The agents are driven automatically: they answer what the
router offers them and leave the end of wrap-up to the router's timer, so a dead router shows
as agents held in wrap-up. Targets: 0 contacts lost or doubled, nothing live once the switch
is empty, no agent past wrap-up + 5 s, no offer past the timeout + 5 s. The peer, in the same
run: the same hour with no kill (``--no-baseline`` skips it).

Run on a fresh home (SQLite; ``LEALTAD_DATABASE_URL`` for PostgreSQL, on an empty database):

    .venv/bin/python benchmarks/acd_kill.py [--kills 20] [--speed 30] [--minutes 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from harness import report

ROOT = Path(__file__).resolve().parents[1]


def setup_django(home: Path) -> dict[str, str]:
    os.environ["LEALTAD_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return dict(os.environ)


def reset_center() -> None:
    """An empty center between the two runs (the peer run starts where the first began)."""
    from django.db import connection

    from lealtad.contactcenter import models

    for model in (
        models.CtiPending,
        models.CtiCall,
        models.CtiSwitch,
        models.CenterEvent,
        models.Contact,
        models.AgentSkill,
        models.Agent,
        models.QueueOverflow,
        models.Queue,
        models.Skill,
    ):
        model.objects.all().delete()
    connection.close()


def show(title: str, r, minutes: float) -> None:
    print(f"\n{title}")
    report("simulated minutes", r.simulated_seconds / 60, "min")
    report("wall seconds", r.wall_seconds, "s")
    report("router kills (SIGKILL)", r.kills, "")
    report("calls offered by the switch", r.offered, "")
    report("answered / abandoned / blocked", r.answered, f"/ {r.abandoned} / {r.blocked}")
    report("contacts in Lealtad", r.contacts, "")
    report("contacts lost", r.lost, "", 0)
    report("contacts doubled", r.doubled, "", 0)
    report("contacts still live at the end", r.live_left, "", 0)
    report("agents not available at the end", r.agents_not_available, "", 0)
    report("worst wrap-up past its end (router dead)", r.wrap_up_overstay, "s", 5)
    report("worst offer past its timeout", r.offer_overstay, "s", 5)
    report("observations past the allowance", r.stuck_seen, "", 0)
    report("router exits not caused by the drill", r.router_crashes, "", 0)
    if r.restarts_to_first_offer:
        ordered = sorted(r.restarts_to_first_offer)
        report("restart to first offer, median", ordered[len(ordered) // 2], "s")
        report("restart to first offer, worst", ordered[-1], "s")


def cti_rate(calls: int = 2000, batch: int = 100) -> None:
    """How fast CTI events are applied (offered then abandoned: no agent, no router)."""
    from datetime import UTC, datetime

    from lealtad.contact_engine.telephony import CallAbandoned, CallOffered
    from lealtad.contactcenter.services import cti, setup

    setup.save_skill("general", "General")
    setup.save_queue("general", "General", "general")
    setup.update_settings(trunks=100_000)
    at = datetime.now(UTC)
    events = []
    for n in range(calls):
        common = {"switch_id": "rate-pbx", "epoch": 0, "at": at, "call_ref": f"r{n}"}
        events.append(CallOffered(**common, seq=1, caller_id="", queue="general"))
        events.append(CallAbandoned(**common, seq=2, waited=3.0))
    started = time.perf_counter()
    for i in range(0, len(events), batch):
        results = cti.apply_events(events[i : i + batch])
        assert all(r.status == "applied" for r in results), results
    seconds = time.perf_counter() - started
    print("\nCTI events applied (offered + abandoned, batches of 100)")
    report("events per second", len(events) / seconds, "ev/s")
    again = time.perf_counter()
    for i in range(0, len(events), batch):
        cti.apply_events(events[i : i + batch])
    report("repeats recognised per second", len(events) / (time.perf_counter() - again), "ev/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--speed", type=float, default=30.0)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    home = Path(os.environ.get("LEALTAD_HOME") or tempfile.mkdtemp(prefix="acd-kill-"))
    env = setup_django(home)
    from lealtad.contactcenter.cti_drill import run_drill

    print(
        f"ACD kill drill: {args.kills} kills in {args.minutes:g} simulated minutes at "
        f"x{args.speed:g}; home {home}; load {os.getloadavg()[0]:.2f}"
    )
    started = time.monotonic()
    killed = run_drill(
        env, kills=args.kills, simulated=args.minutes * 60, speed=args.speed, seed=args.seed
    )
    show("with the router killed", killed, args.minutes)
    ok = killed.ok
    if not args.no_baseline:
        reset_center()
        calm = run_drill(
            env, kills=0, simulated=args.minutes * 60, speed=args.speed, seed=args.seed
        )
        show("peer: the same hour, no kill", calm, args.minutes)
        ok = ok and calm.ok
    reset_center()
    cti_rate()
    print(
        f"\n{'ALL TARGETS MET' if ok else 'TARGETS MISSED'} in {time.monotonic() - started:.0f} s"
        f" (load now {os.getloadavg()[0]:.2f})"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
