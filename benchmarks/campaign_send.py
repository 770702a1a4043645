"""A campaign's e-mail send (issue 15: 1,000,000 recipients rendered and handed to SMTP in
<= 5 min, against a local aiosmtpd).

The run:

1. fills N synthetic customers (a name, an e-mail, the e-mail marketing consent granted and
   an address in Pichincha) straight into the customers tables, and a static segment of them;
2. plans the campaign (segment snapshot into message rows, a 10 % control group held out);
3. sends it: ``send_job.run_many`` exactly as ``lealtad marketing campaigns send --workers N``
   does it (N sender processes, each with its own lease, claims and journal): chunks
   claimed, consent, preferences, suppressions and fatigue re-read per chunk, every message
   rendered (personalised subject and bodies, tracked links, signed unsubscribe and preference
   links, List-Unsubscribe headers) and handed to SMTP over a few connections, the journal
   written, outcomes recorded;
4. the floor: the SMTP server alone, handed ready messages by a client that does nothing
   else (what no sender on this machine can beat, the server's CPU sharing its cores);
5. the peer in the same run: Django's ``EmailMessage(...).send()`` once per message (a new SMTP
   connection each time, what a naive loop does), on a sample, extrapolated to N.

The SMTP server is aiosmtpd with a handler that only counts, in processes of its own sharing
the port (SO_REUSEPORT), so the server's CPU is not the sender's.

    LEALTAD_HOME=/tmp/bench-campaign .venv/bin/python benchmarks/campaign_send.py \\
        --recipients 100000 --workers 2
    LEALTAD_DATABASE_URL=postgres://… LEALTAD_HOME=/tmp/bench-campaign \\
        .venv/bin/python benchmarks/campaign_send.py --recipients 1000000 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.harness import free_port, report  # noqa: E402

CHUNK = 20_000


# --- the SMTP server: aiosmtpd counting what it is handed, in its own processes --------------


def _serve(port: int, counter: mp.Value, ready: mp.Event) -> None:  # type: ignore[valid-type]
    from aiosmtpd.smtp import SMTP

    class Server(SMTP):
        def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)

    class Count:
        async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list:
            """aiosmtpd reads a pipelined client's commands in turn: say so, as Postfix does."""
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope) -> str:
            with counter.get_lock():  # type: ignore[attr-defined]
                counter.value += 1  # type: ignore[attr-defined]
            return "250 OK"

    async def main() -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", port))
        server = await asyncio.get_running_loop().create_server(
            lambda: Server(Count(), hostname="bench", decode_data=False), sock=sock
        )
        ready.set()
        async with server:
            await server.serve_forever()

    if os.environ.get("BENCH_SMTP_LOOP", "uvloop") == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


def start_servers(count: int) -> tuple[int, mp.Value, list[mp.Process]]:  # type: ignore[valid-type]
    port, counter = free_port(), mp.Value("q", 0)
    processes = []
    for _ in range(count):
        ready = mp.Event()
        proc = mp.Process(target=_serve, args=(port, counter, ready), daemon=True)
        proc.start()
        ready.wait(10)
        processes.append(proc)
    return port, counter, processes


def cpu_seconds(processes: list[mp.Process]) -> float:
    """User and system CPU the processes have used so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in processes:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- the audience ---------------------------------------------------------------------------


def setup_django(port: int) -> None:
    os.environ.setdefault("LEALTAD_HOME", tempfile.mkdtemp(prefix="campaign-bench-"))
    os.environ.update(LEALTAD_SMTP_HOST="127.0.0.1", LEALTAD_SMTP_PORT=str(port))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(count: int) -> tuple[list[int], float]:
    """N customers with an e-mail, its marketing consent and an address; their ids."""
    from django.db import transaction
    from django.utils import timezone

    from lealtad.core.db import insert_new, new_row, reserve_ids
    from lealtad.customers.models import Address, Consent, Customer, Email

    start, now, stamp, ids = time.perf_counter(), timezone.now(), int(time.time()), []
    for first in range(0, count, CHUNK):
        size = min(CHUNK, count - first)
        with transaction.atomic():
            chunk = reserve_ids(Customer, size)
            insert_new(
                [
                    new_row(
                        Customer,
                        id=cid,
                        given_names=f"Cliente {cid}",
                        display_name=f"Cliente {cid}",
                        search_name=f"cliente {cid}",
                        created_at=now,
                        updated_at=now,
                    )
                    for cid in chunk
                ]
            )
            insert_new(
                [
                    new_row(
                        Email,
                        customer_id=cid,
                        address=f"c{stamp}.{cid}@bench.ec",
                        is_primary=True,
                        created_at=now,
                    )
                    for cid in chunk
                ]
            )
            insert_new(
                [
                    new_row(
                        Consent,
                        customer_id=cid,
                        channel="email",
                        purpose="marketing",
                        granted=True,
                        updated_at=now,
                    )
                    for cid in chunk
                ]
            )
            insert_new(
                [
                    new_row(
                        Address,
                        customer_id=cid,
                        kind="home",
                        line1="Av. Amazonas 100",
                        city="Quito",
                        region="Pichincha",
                        country="EC",
                        created_at=now,
                    )
                    for cid in chunk
                ]
            )
        ids.extend(chunk)
    return ids, time.perf_counter() - start


def segment_of(ids: list[int]) -> int:
    from django.db import transaction
    from django.utils import timezone

    from lealtad.core.db import insert_new, new_row
    from lealtad.marketing.models import Segment, SegmentMember

    now = timezone.now()
    seg = Segment.objects.create(
        name=f"bench-{os.getpid()}-{int(time.time())}",
        kind="static",
        created_at=now,
        updated_at=now,
        member_count=len(ids),
    )
    for first in range(0, len(ids), CHUNK):
        with transaction.atomic():
            insert_new(
                [
                    new_row(SegmentMember, segment_id=seg.pk, customer_id=cid, since=now)
                    for cid in ids[first : first + CHUNK]
                ]
            )
    return seg.pk


TEXT = "Hola {{ first_name }},\n\nEn {{ city }} tenemos {{ campaign.name }} para usted.\n"
HTML = (
    "<html><body><h1>Hola {{ first_name }}</h1><p>{{ campaign.name }}: 20 % en toda la tienda."
    '</p><p><a href="https://tienda.ec/navidad">Ver ofertas</a> · '
    '<a href="https://tienda.ec/tiendas">Nuestras tiendas</a></p></body></html>'
)


def campaign_for(segment_id: int) -> int:
    from lealtad.core.audit import Actor
    from lealtad.marketing.services import campaigns, contact_policy

    rules = contact_policy.policy()
    rules.quiet_from = rules.quiet_until  # the benchmark runs at any hour
    rules.save()
    actor = Actor.system("bench")
    [made] = campaigns.create(
        [
            campaigns.NewCampaign(
                name="Navidad", segment_id=segment_id, channels=["email"], control_share=0.1
            )
        ],
        actor,
    )
    campaigns.save_templates(
        made.pk,
        [campaigns.NewTemplate("email", "es", "Hola {{ first_name }}: Navidad", TEXT, HTML)],
        actor,
    )
    campaigns.move(made.pk, "launch", actor)
    return made.pk


# --- the runs -------------------------------------------------------------------------------


def ours(campaign_id: int, workers: int) -> tuple[float, float, dict[str, int]]:
    from lealtad.marketing.services import send_job, sending

    start = time.perf_counter()
    sending.plan(campaign_id)
    planned = time.perf_counter() - start
    start = time.perf_counter()
    result = send_job.run_many(campaign_id, workers, chunk=2000)
    assert result.finished, result
    counts = {**result.counts, "sender_cpu_ms": round(1000 * result.cpu_seconds)}
    return planned, time.perf_counter() - start, counts


def _blast(port: int, count: int, message: bytes) -> None:
    """One connection handing ``count`` copies of a ready message over, pipelined like the
    sender (content plus next envelope in one write, four replies read), nothing else."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.recv(4096)
    sock.sendall(b"EHLO floor\r\n")
    while not sock.recv(4096).rstrip().split(b"\r\n")[-1].startswith(b"250 "):
        pass
    envelope = b"MAIL FROM:<floor@bench.ec> BODY=8BITMIME\r\nRCPT TO:<x@bench.ec>\r\nDATA\r\n"
    sock.sendall(envelope)
    owed, pending = 3, b""
    for n in range(count):
        while owed:
            pending += sock.recv(65536)
            owed -= pending.count(b"\r\n")
            pending = pending[pending.rfind(b"\r\n") + 2 :]
        sock.sendall(message + (envelope if n + 1 < count else b""))
        owed = 4 if n + 1 < count else 1
    while owed:
        pending += sock.recv(65536)
        owed -= pending.count(b"\r\n")
        pending = pending[pending.rfind(b"\r\n") + 2 :]
    sock.close()


def floor(
    port: int, count: int, connections: int, servers: list[mp.Process]
) -> tuple[float, float]:
    """The SMTP server alone: ``count`` copies of one rendered campaign message handed over
    by a client that does nothing else; the wall time and the server's CPU a message. No
    sender can go faster than the server it hands over to, on the cores it shares with it."""
    from lealtad.marketing.channels import rendering

    template = rendering.compile_template("email", "es", "Hola {{ first_name }}", TEXT, HTML)
    values = {"first_name": "Cliente 1", "city": "Quito", "campaign.name": "Navidad"}
    recipient = rendering.Recipient(123456, 123456, "x@bench.ec", "es", values)
    data = rendering.mail_bytes(template, 1, "floor@bench.ec", recipient, eight_bit=True)
    message = data.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n"
    context = mp.get_context("fork")
    clients = [
        context.Process(target=_blast, args=(port, count // connections, message))
        for _ in range(connections)
    ]
    cpu, start = cpu_seconds(servers), time.perf_counter()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    handed = connections * (count // connections)
    return time.perf_counter() - start, (cpu_seconds(servers) - cpu) / handed


def naive(sample: int) -> float:
    """One ``EmailMessage.send()`` per message: a rendered Django template, a connection each."""
    from django.core.mail import EmailMultiAlternatives
    from django.template import Context, Template

    text, html = Template(TEXT), Template(HTML)
    start = time.perf_counter()
    for n in range(sample):
        context = Context(
            {"first_name": f"Cliente {n}", "city": "Quito", "campaign": {"name": "Navidad"}}
        )
        mail = EmailMultiAlternatives(
            "Hola: Navidad", text.render(context), "noreply@localhost", [f"n{n}@bench.ec"]
        )
        mail.attach_alternative(html.render(context), "text/html")
        mail.send()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ["LEALTAD_CAMPAIGN_SMTP_CONNECTIONS"] = str(args.connections)
    port, counter, servers = start_servers(args.servers)
    setup_django(port)
    from django.db import connection

    print(
        f"campaign send, {args.recipients:,} recipients, {connection.vendor}, "
        f"{args.servers} aiosmtpd processes, {args.workers} senders "
        f"with {args.connections} SMTP connections each"
    )
    ids, filled = fill(args.recipients)
    report("audience filled (customers, e-mails, consents)", filled, "s")
    cid = campaign_for(segment_of(ids))
    server_cpu = cpu_seconds(servers)
    planned, sent_in, counts = ours(cid, args.workers)
    server_cpu = cpu_seconds(servers) - server_cpu
    handed = counter.value  # type: ignore[attr-defined]
    report("plan: segment snapshot + control group", planned, "s")
    report("send: gated, rendered, handed to SMTP", sent_in, "s")
    report("messages handed over (SMTP server's count)", handed, "msgs")
    report("messages per second", handed / sent_in, "msg/s")
    per_million = 1_000_000 / (handed / sent_in)
    report("1,000,000 recipients at this rate", per_million, "s", 300)
    cpu = counts.pop("sender_cpu_ms") / 1000
    report("senders' own CPU time for the send (all senders)", cpu, "s")
    report("sender's CPU per message", 1e6 * cpu / handed, "µs")
    report("1,000,000 at the sender's CPU cost (one core)", 1_000_000 * cpu / handed, "s")
    report(
        "SMTP server's CPU per message (aiosmtpd, all processes)", 1e6 * server_cpu / handed, "µs"
    )
    print(f"  outcomes: {dict(sorted(counts.items()))}")
    before = counter.value  # type: ignore[attr-defined]
    peer = naive(args.sample)
    assert counter.value - before == args.sample  # type: ignore[attr-defined]
    report(f"peer: EmailMessage.send() per message ({args.sample:,})", peer, "s")
    report("peer messages per second", args.sample / peer, "msg/s")
    report("peer extrapolated to 1,000,000", 1_000_000 * peer / args.sample, "s")
    report("speed-up over the peer", (handed / sent_in) / (args.sample / peer), "x")
    floor_count = min(handed, 100_000)
    floor_wall, floor_cpu = floor(port, floor_count, args.workers * args.connections, servers)
    report(f"floor: the server alone, {floor_count:,} ready messages", floor_wall, "s")
    report("floor: messages per second", floor_count / floor_wall, "msg/s")
    report("floor: server CPU per message", 1e6 * floor_cpu, "µs")
    report(
        "floor: 900,000 sends (10 % control) at this rate", 900_000 * floor_wall / floor_count, "s"
    )
    for proc in servers:
        proc.terminate()


if __name__ == "__main__":
    main()
