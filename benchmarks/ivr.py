"""IVR: how fast the interpreter walks calls, what a key press costs through the API, and what
a prompt costs to speak.

1. Engine (plain Python): parsing and checking the example flows; random callers walking
   ``examples/ivr/bank.yaml`` with an in-memory host, per key press, alone and with the session
   kept as JSON between presses as the service does. The floor in the same run is the JSON
   round trip of the session alone (what any stateless HTTP IVR pays per request).
2. API in-process (Django test client, SQLite in a fresh ``LEALTAD_HOME``): a call started,
   then key presses through ``POST /api/v1/contactcenter/ivr/sessions/{id}/input`` until the
   flow queues it (contact written through the ACD's service). p50/p99 per request.
3. Audio: espeak-ng speaking a prompt the first time, and serving it from the cache after.

Run: ``.venv/bin/python benchmarks/ivr.py`` (``--calls N``). Figures: ``docs/performance.md``.
No peer IVR interpreter runs in Python here (Asterisk's dialplan and FreeSWITCH's IVR XML live
inside their switches), so the floors above are the comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import ROOT, percentile, report

sys.path.insert(0, str(ROOT / "src"))

from lealtad.contact_engine.ivr import Flow, Session

EXAMPLES = ROOT / "examples" / "ivr"
KEYS = ["0", "1", "2", "3", "9", "", "4111111111111111#", "1234#"]


class Book:
    def answer(self, question: str, variables: Any, facts: Any) -> dict[str, str]:
        return {"balance": "1.234,50 USD", "status": "Activo"}


def engine(calls: int) -> None:
    print("Engine (plain Python)")
    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.yaml"))]
    start = time.perf_counter()
    rounds = 50
    for _ in range(rounds):
        for text in texts:
            Flow.from_yaml(text)
    report(
        "parse + check one example flow",
        (time.perf_counter() - start) * 1000 / (rounds * len(texts)),
        "ms",
    )
    flow = Flow.from_yaml((EXAMPLES / "bank.yaml").read_text(encoding="utf-8"))
    rng = random.Random(13)
    facts = [
        {
            "caller_id": f"+5939{i:08d}",
            "known_customer": i % 2 == 0,
            "tier": "gold",
            "customer_name": "Ana",
            "language": "es",
        }
        for i in range(calls)
    ]
    for kept in (False, True):
        presses, lat = 0, []
        begin = time.perf_counter()
        for fact in facts:
            session, step = Session.start(flow, fact, Book())
            while not step.terminal and presses < calls * 20:
                key = rng.choice(KEYS)
                t0 = time.perf_counter()
                if kept:
                    session = Session.from_dict(
                        flow, json.loads(json.dumps(session.to_dict())), Book()
                    )
                step = session.input(key) if key else session.timeout()
                if kept:
                    json.dumps(step.to_dict())
                lat.append((time.perf_counter() - t0) * 1e6)
                presses += 1
        elapsed = time.perf_counter() - begin
        label = "with the session kept as JSON" if kept else "session in memory"
        report(f"key presses/s, {label}", presses / elapsed, "/s")
        report(f"  p99 per press, {label}", percentile(lat, 99), "µs")
    session, _ = Session.start(flow, facts[0], Book())
    lat = []
    for _ in range(calls):
        t0 = time.perf_counter()
        json.loads(json.dumps(session.to_dict()))
        lat.append((time.perf_counter() - t0) * 1e6)
    report("floor: the session's JSON round trip alone, p50", percentile(lat, 50), "µs")


def api(calls: int) -> None:
    home = tempfile.mkdtemp(prefix="ivr-bench-")
    os.environ["LEALTAD_HOME"] = home
    os.environ.pop("LEALTAD_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User

    from lealtad.contactcenter.services import ivr, setup
    from lealtad.core import tokens
    from lealtad.core.audit import Actor

    setup.save_skill("general", "General")
    ivr.seed_examples(Actor.system("bench"), create_queues=True)
    user = User.objects.create_user("pbx", password="x-Secret-9")
    user.groups.add(Group.objects.get_or_create(name="api_client")[0])
    key = tokens.create_token(user, "bench", ["telephony:write"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")
    base = "/api/v1/contactcenter/ivr"
    starts, presses_lat = [], []
    rng = random.Random(7)
    for n in range(calls):
        t0 = time.perf_counter()
        body = {"flow": "bank", "call_id": f"bench-{n}", "caller_id": f"+5939870{n:05d}"}
        started = client.post(f"{base}/sessions", body, content_type="application/json")
        starts.append((time.perf_counter() - t0) * 1000)
        assert started.status_code == 201, started.content
        session = started.json()
        for _ in range(12):
            if session["step"]["action"]:
                break
            digits = rng.choice(["1", "2", "9", "0", "7"])
            t0 = time.perf_counter()
            answer = client.post(
                f"{base}/sessions/{session['session_id']}/input",
                {"digits": digits},
                content_type="application/json",
            )
            presses_lat.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200, answer.content
            session = answer.json()
    print(f"API in-process, SQLite ({calls} calls, {len(presses_lat)} key presses)")
    report("start a call, p50", percentile(starts, 50), "ms")
    report("start a call, p99", percentile(starts, 99), "ms")
    report("key press, p50", percentile(presses_lat, 50), "ms")
    report("key press, p99", percentile(presses_lat, 99), "ms")
    audio(Path(home))


def audio(home: Path) -> None:
    from lealtad.contactcenter.services import prompts

    print("Audio (espeak-ng)")
    texts = [f"Su saldo pendiente es {n},50 USD. Estado de su cuenta: Activo." for n in range(20)]
    cold, warm = [], []
    for text in texts:
        t0 = time.perf_counter()
        wav = prompts.speak(text, "es")
        cold.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assert prompts.speak(text, "es") == wav
        warm.append((time.perf_counter() - t0) * 1000)
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    print(f"  {version.stdout.strip()}")
    report("speak a prompt (first time), p50", percentile(cold, 50), "ms")
    report("speak a prompt (first time), max", max(cold), "ms")
    report("the same prompt from the cache, p50", percentile(warm, 50), "ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    engine(args.calls)
    api(max(50, args.calls // 10))


if __name__ == "__main__":
    main()
