"""Inbound mail threaded per minute, with the listener killed (issue 14: 1,000 mails/min,
none lost under a killed worker).

``lealtad service mail serve`` (the aiosmtpd listener and its applier thread) runs as a
process of its own; a sender delivers mails over SMTP as a mail server would (a mail refused
or unanswered is sent again), while the listener is SIGKILLed ``--kills`` times and started
again at once. The mix: 60% new requests from known customers, 25% answers to an earlier mail
(In-Reply-To), 10% from unknown senders (triage), 5% auto-replies. At the end every mail the
listener acknowledged must have exactly one row in the inbound log, each answer must have
joined its case, and no spool file may be left. The peer, in the same run: the same mails
with no kill.

    .venv/bin/python benchmarks/mail_ingest.py [--mails 1000] [--kills 5]

SQLite by default (a fresh home); ``LEALTAD_DATABASE_URL`` for PostgreSQL (an empty database).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from harness import free_port, lealtad_bin, report

DESK = "soporte@tienda.ec"


def setup(home: Path) -> dict[str, str]:
    os.environ["LEALTAD_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return dict(os.environ)


def make_desk(customers: int) -> None:
    from lealtad.core.audit import Actor
    from lealtad.core.envelope import CustomerRef
    from lealtad.customers import services
    from lealtad.customers.schemas import CustomerProfile
    from lealtad.service.models import SupportGroup
    from lealtad.service.services import mailbox

    SupportGroup.objects.get_or_create(name="nivel1", defaults={"label": "Nivel 1", "level": 1})
    mailbox.save_mailbox(
        mailbox.MailboxSettings(address=DESK, group="nivel1", category="post_sale")
    )
    ctx = services.ChangeContext(actor=Actor.system("bench"), channel="bench")
    for n in range(customers):
        ref = CustomerRef(email=f"cliente{n}@correo.ec")
        services.create_customer(CustomerProfile(given_names=f"Cliente {n}"), ref, ctx)


def mails(
    count: int, customers: int, seed: int, tag: str, first: int = 0
) -> list[tuple[str, str, bytes]]:
    """(message id, kind, raw) in sending order, from customers ``first`` … ``first + customers``
    (each run its own people, so two runs in one minute do not look like robots)."""
    rng = random.Random(seed)
    out: list[tuple[str, str, bytes]] = []
    sent_new: list[tuple[str, str]] = []
    per_sender: dict[str, int] = {}  # a person writes a few mails a minute, not a robot's six
    for n in range(count):
        roll = rng.random()
        msg = EmailMessage()
        mid = f"{tag}-{n}@correo.ec"
        kind = "new"
        sender = f"cliente{first + rng.randrange(customers)}@correo.ec"
        while per_sender.get(sender, 0) >= 4:
            sender = f"cliente{first + rng.randrange(customers)}@correo.ec"
        subject = f"Consulta {n}"
        open_threads = [(m, s) for m, s in sent_new if per_sender[s] < 4]
        if roll < 0.25 and open_threads:
            kind = "answer"
            earlier, sender = rng.choice(open_threads)
            msg["In-Reply-To"] = f"<{earlier}>"
            msg["References"] = f"<{earlier}>"
            subject = "Re: consulta"
        elif roll < 0.35:
            kind = "unknown"
            sender = f"desconocido{n}@otro.ec"
        elif roll < 0.40:
            kind = "auto"
            msg["Auto-Submitted"] = "auto-replied"
            subject = "Fuera de la oficina"
        msg["From"] = sender
        msg["To"] = DESK
        msg["Subject"] = subject
        msg["Message-ID"] = f"<{mid}>"
        msg.set_content(f"Mensaje {n}: el servicio no funciona desde ayer.\n" * 5)
        if kind == "new":
            sent_new.append((mid, sender))
        if kind in ("new", "answer"):
            per_sender[sender] = per_sender.get(sender, 0) + 1
        out.append((mid, kind, msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))))
    return out


@dataclass
class Run:
    mails: int
    acknowledged: int
    wall: float
    kills: int
    lost: int
    doubled: int
    answers_not_joined: int
    spool_left: int
    retries: int
    down: float


class Listener:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [lealtad_bin(), "service", "mail", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the listener did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


class Killer(threading.Thread):
    """SIGKILLs the listener ``kills`` times, spread over the run by the mails sent so far
    (whatever the listener is doing then: in an SMTP session, spooling, applying a mail), and
    starts it again at once."""

    def __init__(self, listener: Listener, kills: int, total: int, seed: int) -> None:
        super().__init__(daemon=True)
        rng = random.Random(seed)
        step = total / (kills + 1)
        self.at = [int(step * (k + 1) + rng.uniform(-step / 3, step / 3)) for k in range(kills)]
        self.listener = listener
        self.sent = 0  # updated by the sender
        self.done = 0
        self.down = 0.0  # seconds from each kill until the new listener answered
        self.stopping = threading.Event()

    def run(self) -> None:
        for threshold in self.at:
            while self.sent < threshold:
                if self.stopping.wait(0.01):
                    return
            killed = time.perf_counter()
            self.listener.kill()
            self.done += 1
            self.listener.start()
            self.down += time.perf_counter() - killed


def deliver(listener: Listener, batch: list[tuple[str, str, bytes]], killer: Killer) -> int:
    """Send every mail as an MTA would: again until it is acknowledged. Returns the retries."""
    retries = 0
    client: smtplib.SMTP | None = None
    for _mid, _kind, raw in batch:
        while True:
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", listener.port, timeout=30)
                client.sendmail("bounce@otro.ec", [DESK], raw)
                killer.sent += 1
                break
            except (smtplib.SMTPException, OSError):
                retries += 1
                client = None
                time.sleep(0.05)
    if client is not None:
        client.quit()
    return retries


def wait_applied(total: int, timeout: float) -> None:
    from lealtad.service.models import InboundMail

    deadline = time.monotonic() + timeout
    while InboundMail.objects.count() < total and time.monotonic() < deadline:
        time.sleep(0.1)


def check(batch: list[tuple[str, str, bytes]]) -> tuple[int, int, int]:
    from django.db.models import Count

    from lealtad.service.models import InboundMail

    ids = [mid for mid, _k, _r in batch]
    rows = dict(
        InboundMail.objects.filter(message_id__in=ids)
        .values("message_id")
        .annotate(n=Count("id"))
        .values_list("message_id", "n")
    )
    lost = sum(1 for m in ids if m not in rows)
    doubled = sum(1 for n in rows.values() if n > 1)
    answers = [mid for mid, kind, _r in batch if kind == "answer"]
    joined = set(
        InboundMail.objects.filter(message_id__in=answers, decision="joined").values_list(
            "message_id", flat=True
        )
    )
    missed = set(answers) - joined
    if missed:
        why = InboundMail.objects.filter(message_id__in=missed).values_list("decision", "reason")
        print("  answers not joined:", sorted(set(why))[:5])
    return lost, doubled, len(missed)


def one_run(env: dict[str, str], batch, kills: int, seed: int) -> Run:
    from lealtad.service.models import InboundMail
    from lealtad.service.services import inbound

    listener = Listener(env, free_port())
    listener.start()
    killer = Killer(listener, kills, len(batch), seed)
    before = InboundMail.objects.count()
    start = time.perf_counter()
    killer.start()
    retries = deliver(listener, batch, killer)
    wait_applied(before + len(batch), timeout=600)
    killer.stopping.set()
    killer.join()
    wall = time.perf_counter() - start
    listener.stop()
    lost, doubled, unjoined = check(batch)
    return Run(
        len(batch),
        len(batch),
        wall,
        killer.done,
        lost,
        doubled,
        unjoined,
        len(inbound.pending()),
        retries,
        killer.down,
    )


def show(title: str, run: Run) -> None:
    print(title)
    report("mails sent and acknowledged", run.acknowledged, "")
    report("listener kills (SIGKILL)", run.kills, "")
    report("SMTP attempts retried by the sender", run.retries, "")
    report("wall time, first send to last applied", run.wall, "s")
    report("threaded per minute", run.mails / run.wall * 60, "mails/min", 1000, lower=False)
    if run.kills:
        report("listener down, restarting (Django start-up)", run.down, "s")
        report("per minute of the listener up", run.mails / (run.wall - run.down) * 60, "mails/min")
    report("mails lost", run.lost, "", 0)
    report("mails applied twice", run.doubled, "", 0)
    report("answers not joined to their case", run.answers_not_joined, "", 0)
    report("spool files left", run.spool_left, "", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lealtad-mail-bench-"))
    env = setup(home)
    make_desk(2 * args.customers)
    from django.db import connection

    print(f"mail ingest on {connection.vendor}, {args.mails} mails, {os.cpu_count()} cores")
    killed = one_run(env, mails(args.mails, args.customers, 1, "k"), args.kills, 7)
    show(f"with {args.kills} kills of the listener:", killed)
    if not args.no_baseline:
        calm = one_run(env, mails(args.mails, args.customers, 2, "c", first=args.customers), 0, 7)
        show("the peer, no kill:", calm)
    ok = killed.lost == killed.doubled == killed.answers_not_joined == killed.spool_left == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
