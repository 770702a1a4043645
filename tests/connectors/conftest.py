"""Fixtures for connector tests: a connectors directory, real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lealtad.channels.connectors import registry, subscribers
from lealtad.core import dispatcher
from lealtad.core.models import Delivery

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "connectors"
SECRET = "s3cret-for-tests-0123456789"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    """A real HTTP server in a thread. ``replies`` are answered in turn (then 200 for ever):
    a status, or ``("redirect", location)``. It checks each request's signature (Standard
    Webhooks)."""

    secret: str = SECRET
    replies: list[Any] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    url: str = ""
    httpd: ThreadingHTTPServer | None = None

    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.headers.get("x-test-answer") == "200"]


def _standard_signature_fits(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """A receiver's check, written as the Standard Webhooks spec describes it (hmac and base64
    only, not Lealtad's code): the signed id, timestamp and body, and a fresh timestamp."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "0")
    signed = f"{msg_id}.{stamp}.".encode() + body
    digest = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    given = headers.get("webhook-signature", "").split()
    fresh = stamp.isdigit() and abs(time.time() - int(stamp)) <= 300
    expected = f"v1,{digest.decode()}"
    return bool(msg_id) and fresh and any(hmac.compare_digest(expected, g) for g in given)


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server.replies.pop(0) if server.replies else 200
            if not _standard_signature_fits(server.secret, headers, body):
                server.bad_signatures += 1
                reply = 401
            headers["x-test-answer"] = str(reply if isinstance(reply, int) else reply[0])
            server.received.append(Received(self.path, headers, body))
            if isinstance(reply, tuple):
                self.send_response(302)
                self.send_header("Location", reply[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = b'{"ok": true}' if reply == 200 else b'{"ok": false}'
            self.send_response(reply)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(secret: str = SECRET, replies: list[Any] | None = None) -> Server:
        server = Server(secret=secret, replies=list(replies or []))
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
        server.httpd = httpd
        server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        assert server.httpd is not None
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def home(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """An empty connectors directory and data directory for this test."""
    settings.LEALTAD_CONNECTORS_DIR = str(tmp_path / "connectors")
    settings.LEALTAD_CONNECTOR_DATA_DIR = str(tmp_path / "data")
    (tmp_path / "connectors").mkdir()
    subscribers.forget()
    yield tmp_path
    subscribers.forget()


@pytest.fixture
def install(home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Copy an example connector in, with its environment (URL, secret, loopback allowed)."""

    def put(name: str, url: str = "http://127.0.0.1:9", secret: str = SECRET) -> None:
        prefix = name.upper()
        monkeypatch.setenv(f"{prefix}_URL", url)
        monkeypatch.setenv(f"{prefix}_SECRET", secret)
        monkeypatch.setenv(f"{prefix}_ALLOW_PRIVATE", "true")  # the test servers are loopback
        shutil.copy(EXAMPLES / f"{_file(name)}.yaml", home / "connectors")
        subscribers.sync()
        assert registry.get(_file(name)) is not None, registry.problems()

    return put


def _file(name: str) -> str:
    return {"billing": "billing", "inventory": "inventory", "fulfilment": "fulfilment"}[name]


def inbox(home: Path, connector: str, folder: str) -> Path:
    where = home / "data" / connector / folder
    where.mkdir(parents=True, exist_ok=True)
    return where


def dispatch(times: int = 1) -> None:
    """Dispatcher passes, each with every pending retry made due first."""
    worker = dispatcher.OutboxDispatcher()
    for _ in range(times):
        Delivery.objects.filter(status=Delivery.Status.PENDING).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        worker.run_once()


INVENTORY_LOCATIONS = ("quito-norte", "quito-sur", "guayaquil-centro", "cd-pifo")


def stock_catalog(skus: list[str]) -> None:
    """The inventory connector's four locations and a product variant for each SKU (written
    in bulk: a stock file test needs thousands)."""
    from decimal import Decimal

    from lealtad.commerce.models import Product, Variant
    from lealtad.commerce.services import catalog

    for code in INVENTORY_LOCATIONS:
        catalog.upsert_location(code, code.replace("-", " ").title(), "warehouse")
    product = Product.objects.create(code=f"P-{len(skus)}-{skus[0]}", name_es="Producto")
    Variant.objects.bulk_create(
        [Variant(product=product, sku=sku, price=Decimal("9.90")) for sku in skus],
        batch_size=2000,
    )
