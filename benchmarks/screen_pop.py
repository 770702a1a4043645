"""Screen pop latency: from the router's offer committed to the pop painted in the agent's browser.

End to end on one machine: ``lealtad serve`` (uvicorn, the ACD router in its child process),
Debian's Chromium through Playwright on the agent desktop, signed in and logged in to the ACD.
Each round a call arrives through the contact services (this process, the same database); the
router offers it to the agent; the desktop's stream (Server-Sent Events over the journal,
lealtad.core.live) brings the panel with the customer's essentials, and live.js stamps the
frame that shows it (``data-painted-at``, epoch ms). The latency is that stamp minus the
offer's journal time (taken inside the router's transaction, just before its commit: the figure
slightly overstates the wait). The call is then abandoned so the agent is free again.

The peer, measured in the same run: the same desktop polled every 2 s (htmx ``every 2s``, the
usual way without a push channel): its latency is the wait for the next poll (uniform over the
interval) plus one desktop page render, measured here as GETs of the page.

    LEALTAD_HOME=/tmp/bench-pop .venv/bin/python benchmarks/screen_pop.py --rounds 100
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import django_setup, free_port, init, percentile, report, start_server, stop_server

TARGET_P99_MS = 100.0
POLL_SECONDS = 2.0
PASSWORD = "benchmark-Secret-9"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]


def prepare() -> int:
    """A queue, an agent with a user, a customer who calls (through the services)."""
    from django.contrib.auth.models import Group, User

    from lealtad.contactcenter.services import setup
    from lealtad.core.audit import Actor
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services as customer_services
    from lealtad.customers.schemas import CustomerProfile

    setup.save_skill("general", "General")
    setup.save_queue("general", "General", "general")
    setup.update_settings(offer_timeout_seconds=600, wrap_up_seconds=600, trunks=100)
    user = User.objects.create_user("agente.bench", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    setup.save_agent("Agente Bench", user=user, skills={"general": 9})
    ctx = customer_services.ChangeContext(Actor.system("bench"), "", "call_center")
    profile = CustomerProfile(kind="person", given_names="Rosa", first_surname="Pilco")
    ref = CustomerRef(phone="0991234567", name="Rosa Pilco")
    return customer_services.create_customer(profile, ref, ctx).pk


def one_round(page, base_ms: float) -> float:
    from lealtad.contactcenter.models import CenterEvent
    from lealtad.contactcenter.schemas import ContactIn
    from lealtad.contactcenter.services import contacts
    from lealtad.core.audit import Actor

    call = contacts.receive(ContactIn(queue="general", caller_id="0991234567"), Actor.system("b"))
    panel = page.locator(f"#contact-{call.pk}[data-painted-at]")
    panel.wait_for(timeout=10_000)
    painted = float(panel.get_attribute("data-painted-at") or 0)
    offered = CenterEvent.objects.filter(contact_id=call.pk, kind="contact.offered").first()
    assert offered is not None, "the router did not offer the call"
    latency = painted - offered.at.timestamp() * 1000
    contacts.abandon(call.pk)
    page.locator(f"#contact-{call.pk}").wait_for(state="detached", timeout=10_000)
    return latency - base_ms


def peer_render_ms(context, base: str, count: int) -> list[float]:
    """One desktop render per poll: what a 2-second poll pays on top of its wait."""
    out = []
    for _ in range(count):
        start = time.perf_counter()
        answer = context.request.get(f"{base}/contactcenter/desktop/")
        assert answer.ok, answer.status
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="lealtad-pop-"))
    init()
    django_setup()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    prepare()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, 1, dispatcher=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(locale="es-EC")
            page = context.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "agente.bench")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit].primary")
            page.goto(f"{base}/contactcenter/desktop/")
            page.click("#acd-login")
            page.wait_for_selector("#desktop[data-live-open='1']")
            page.wait_for_selector("#agent-state[data-state='available']")
            latencies = [one_round(page, 0.0) for _ in range(args.rounds)]
            renders = peer_render_ms(context, base, min(args.rounds, 50))
            browser.close()
    finally:
        stop_server(server)
    rng = random.Random(13)
    polled = sorted(
        rng.uniform(0, POLL_SECONDS * 1000) + rng.choice(renders) for _ in range(10_000)
    )
    print(f"Screen pop, {len(latencies)} calls (load: {os.getloadavg()[0]:.2f})")
    report("SSE pop p50 (offer committed -> painted)", statistics.median(latencies), "ms")
    report("SSE pop p99", percentile(latencies, 99), "ms", TARGET_P99_MS)
    report("SSE pop max", max(latencies), "ms")
    report(
        f"peer: {POLL_SECONDS:g} s htmx poll p50 (wait + render)", statistics.median(polled), "ms"
    )
    report("peer: poll p99", percentile(polled, 99), "ms")
    report("peer: one desktop render p50", statistics.median(renders), "ms")


if __name__ == "__main__":
    main()
