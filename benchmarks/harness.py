"""Shared by the benchmarks: a fresh home, the server, a token, timing and percentiles."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def lealtad_bin() -> str:
    local = ROOT / ".venv" / "bin" / "lealtad"
    return str(local) if local.exists() else (shutil.which("lealtad") or "lealtad")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn: Callable[[], object], count: int, seconds: float) -> list[float]:
    """Latencies in ms of up to ``count`` calls, stopping after ``seconds``."""
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    for _ in range(count):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
        if start > deadline:
            break
    return out


def report(label: str, value: float, unit: str, target: float | None = None, lower=True) -> None:
    if target is None:
        print(f"  {label:<52} {value:>10.2f} {unit}")
        return
    ok = value <= target if lower else value >= target
    sign = "≤" if lower else "≥"
    print(
        f"  {label:<52} {value:>10.2f} {unit:<9} target {sign} {target:g}  "
        f"{'ok' if ok else 'MISSED'}"
    )


def django_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lealtad.settings")
    import django

    django.setup()


def init() -> None:
    env = {**os.environ, "LEALTAD_ADMIN_PASSWORD": "benchmark-Secret-9"}
    subprocess.run([lealtad_bin(), "init"], check=True, env=env, capture_output=True)


def create_token(*scopes: str) -> str:
    args = [lealtad_bin(), "token", "create", "--user", "admin", "--name", "commerce-bench"]
    for scope in scopes:
        args += ["--scope", scope]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def start_server(port: int, workers: int, dispatcher: bool = False) -> subprocess.Popen[bytes]:
    """``lealtad serve`` in its own process group, once it answers (without the dispatcher
    unless asked, so figures measure the request path alone)."""
    command = [lealtad_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command.extend(["--workers", str(workers)])
    if not dispatcher:
        command.append("--no-dispatcher")
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"lealtad serve exited with {server.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/docs", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit("lealtad serve did not answer within 90 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
