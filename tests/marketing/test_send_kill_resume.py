"""The send job killed with SIGKILL half-way through a send to a real SMTP server (aiosmtpd),
twice, then resumed; and one of two senders of the same campaign killed mid-chunk while the
other carries on: every recipient got exactly one message (counted by Message-ID), none was
skipped, and the database says so too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from lealtad.marketing.models import Campaign, Message, Sender
from lealtad.marketing.services import sending
from tests.marketing.test_campaign_send import no_quiet_hours
from tests.marketing.test_campaign_support import (
    ACTOR,
    campaign,
    person,
    segment,
    smtp_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db(transaction=True)
RECIPIENTS = 300


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _env(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEALTAD_")}
    env.update(
        LEALTAD_HOME=str(home),
        LEALTAD_DATABASE_URL=_database_url(),
        LEALTAD_SMTP_HOST="127.0.0.1",
        LEALTAD_SMTP_PORT=str(port),
        LEALTAD_CAMPAIGN_SMTP_CONNECTIONS="2",
        LEALTAD_ANALYTICS_NIGHTLY="0",
    )
    return env


def _send(env: dict[str, str], campaign_id: int, *more: str, **out) -> subprocess.Popen[bytes]:
    command = ["marketing", "campaigns", "send", str(campaign_id), "--chunk", "40", *more]
    return subprocess.Popen(
        [sys.executable, "-m", "lealtad.cli", *command],
        env=env,
        stdout=out.get("stdout", subprocess.DEVNULL),
        stderr=out.get("stderr", subprocess.DEVNULL),
        start_new_session=True,
    )


def _all_once(smtp, cid: int) -> None:
    ids = Counter(m["Message-ID"] for m in smtp.received)
    assert len(ids) == RECIPIENTS  # none skipped
    assert max(ids.values()) == 1  # none twice
    assert sorted(m["To"] for m in smtp.received) == sorted(
        f"c{i}@correo.ec" for i in range(RECIPIENTS)
    )
    statuses = Counter(Message.objects.filter(campaign_id=cid).values_list("status", flat=True))
    assert statuses == {"sent": RECIPIENTS}


def _kill_when(proc: subprocess.Popen[bytes], smtp, received: int) -> None:
    deadline = time.monotonic() + 120
    while len(smtp.received) < received:
        assert proc.poll() is None, "the sender finished before it was killed"
        assert time.monotonic() < deadline, "the sender sent nothing"
        time.sleep(0.001)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


@pytest.mark.slow
def test_a_sender_killed_mid_send_resumes_with_no_one_mailed_twice_or_skipped(
    smtp, settings, tmp_path
):
    no_quiet_hours()
    smtp.delay = 0.002  # a server that takes its time, so the kill lands mid-send
    people = [person(f"c{i}@correo.ec", f"Cliente{i}") for i in range(RECIPIENTS)]
    cid = campaign(segment(people))
    sending.steer(cid, "launch", ACTOR)
    env = _env(tmp_path / "worker-home", smtp.port)
    for threshold in (60, 170):
        _kill_when(_send(env, cid), smtp, threshold)
        assert Message.objects.filter(campaign_id=cid, status="sending").exists()
    done = subprocess.run(
        [sys.executable, "-m", "lealtad.cli", "marketing", "campaigns", "send", str(cid)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "recovered after a crash" in done.stdout + done.stderr
    _all_once(smtp, cid)


def _kill_one_mid_chunk(proc: subprocess.Popen[bytes], smtp, cid: int) -> None:
    """Once both senders hold a lease and the server has 80 messages, SIGKILL one of them
    while it holds a chunk in ``sending``: it is stopped first (SIGSTOP) so that what the
    database says of it cannot change between the look and the kill."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, "the send finished before a sender was killed"
        assert time.monotonic() < deadline, "no sender was caught mid-chunk"
        workers = list(Sender.objects.filter(campaign_id=cid).values_list("worker", flat=True))
        if len(workers) == 2 and len(smtp.received) >= 80:
            pid = int(workers[0].rpartition(":")[2])
            os.kill(pid, signal.SIGSTOP)
            busy = Message.objects.filter(campaign_id=cid, status="sending", worker=workers[0])
            if busy.exists():
                os.kill(pid, signal.SIGKILL)
                return
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.001)


@pytest.mark.slow
def test_one_of_two_senders_killed_mid_chunk_leaves_no_one_mailed_twice_or_skipped(
    smtp, settings, tmp_path
):
    no_quiet_hours()
    # Slow enough that both senders are at work together: they are spawned (the progress
    # bar's thread rules a fork out) and each sets the app up before its first message.
    smtp.delay = 0.01
    people = [person(f"c{i}@correo.ec", f"Cliente{i}") for i in range(RECIPIENTS)]
    cid = campaign(segment(people))
    sending.steer(cid, "launch", ACTOR)
    env = _env(tmp_path / "worker-home", smtp.port)
    proc = _send(env, cid, "--workers", "2", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _kill_one_mid_chunk(proc, smtp, cid)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output
    assert b"recovered after a crash" in output
    assert output.strip().splitlines()[-1].strip() == b"done"
    assert Campaign.objects.get(pk=cid).status == "done"
    _all_once(smtp, cid)
    assert not Sender.objects.filter(campaign_id=cid).exists()  # every lease given back
