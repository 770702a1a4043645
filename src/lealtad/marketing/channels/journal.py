"""The hand-off journal: one line per message, written the moment the message left our hands.

SMTP cannot tell a client that lost its connection whether the server kept the message (RFC
1047's window between the final dot and the 250 reply). The journal narrows our side of that
window to two system calls: the line ``H <id>`` is written with an unbuffered ``os.write`` as
soon as the message's last byte (the dot) is in the socket, before waiting for the reply; a
refusal adds ``R <id> <code>``. The kernel keeps what ``write`` took even when the process is
killed, so after a SIGKILL the resuming worker knows every message that was handed over and
sends only the others. A message whose dot was written but whose line was not (a kill
between those two calls, microseconds) is the one case sent twice; it carries the same
Message-ID both times.

Each sender of a campaign keeps a journal of its own (several may send one campaign at once),
named after the sender, so the one that settles a dead sender's chunk reads that sender's lines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings


def path(campaign_id: int, worker: str = "") -> Path:
    """The journal of one sender of a campaign (``worker`` "" is a sender from before senders
    were named: one per campaign)."""
    folder = Path(settings.LEALTAD_HOME) / "marketing" / "journal"
    folder.mkdir(parents=True, exist_ok=True)
    if not worker:
        return folder / f"campaign-{campaign_id}.log"
    return folder / f"campaign-{campaign_id}-{re.sub(r'[^A-Za-z0-9_.-]', '_', worker)}.log"


class Journal:
    """An append-only file of hand-offs for one sender of a campaign."""

    def __init__(self, campaign_id: int, worker: str = "") -> None:
        self.path = path(campaign_id, worker)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def handed(self, message_id: int, provider_id: str = "") -> None:
        os.write(self.fd, f"H {message_id} {provider_id}\n".encode())

    def refused(self, message_id: int, reply: str) -> None:
        os.write(self.fd, f"R {message_id} {reply[:200]}\n".encode())

    def clear(self) -> None:
        """Forget what the database now records (called once a chunk's outcome is written)."""
        os.ftruncate(self.fd, 0)

    def close(self) -> None:
        os.close(self.fd)


def read(campaign_id: int, worker: str = "") -> dict[int, tuple[str, str]]:
    """What the journal says of each message: ``("H", provider id)`` or ``("R", reply)``;
    the last line about a message wins. A torn last line (the kill came mid-write) is skipped."""
    file = path(campaign_id, worker)
    if not file.exists():
        return {}
    found: dict[int, tuple[str, str]] = {}
    for line in file.read_bytes().decode(errors="replace").splitlines(keepends=True):
        if not line.endswith("\n"):
            continue
        kind, _, rest = line.rstrip("\n").partition(" ")
        number, _, detail = rest.partition(" ")
        if kind in ("H", "R") and number.isdigit():
            found[int(number)] = (kind, detail)
    return found
