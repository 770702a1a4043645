"""A real Dovecot IMAP server for the tests: a throwaway configuration in a temporary
directory, one passwd-file user, a maildir. Skipped (with the reason) where Debian's
``dovecot-imapd`` is not installed."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def ready(self) -> None:
        """The auth process starts after the banner: wait until a log-in goes through."""
        deadline = time.monotonic() + 15
        while True:
            try:
                self.client().logout()
                return
            except imaplib.IMAP4.error as exc:
                if b"UNAVAILABLE" not in str(exc).encode() or time.monotonic() > deadline:
                    log = (self.root / "dovecot.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"dovecot refuses log-ins: {exc}; {log}") from exc
                time.sleep(0.2)

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a mail the way a mail client files one (IMAP APPEND)."""
        client = self.client()
        try:
            kind, data = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert kind == "OK", data
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(root: Path, port: int, uid: int, gid: int) -> str:
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _wait(port: int, log: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    text = log.read_text() if log.exists() else ""
    raise RuntimeError(f"dovecot did not start on port {port}: {text[-2000:]}")


@pytest.fixture
def dovecot() -> Iterator[ImapServer]:
    if not os.path.exists(DOVECOT):
        pytest.skip(f"{DOVECOT} is absent: apt-get install dovecot-imapd to run the IMAP tests")
    owner = pwd.getpwnam("nobody")
    root = Path(tempfile.mkdtemp(prefix="lealtad-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir(mode=0o755)
        (root / sub).chmod(0o755)  # whatever the umask: the mail user walks through it
    user, password = "desk", "s3cret-desk"
    (root / "home" / user).mkdir()
    os.chown(root / "home" / user, owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
    (root / "passwd").chmod(0o644)  # read by dovecot's auth process (user dovecot)
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port, owner.pw_uid, owner.pw_gid))
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        _wait(port, root / "dovecot.log", proc)
        server = ImapServer("127.0.0.1", port, user, password, root)
        server.ready()
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
