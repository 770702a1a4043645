"""The SSRF guard: refused before connecting, pinned to the checked address, no redirects."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from lealtad.channels.connectors import safehttp, signing
from tests.connectors.conftest import SECRET


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a connection was attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/",
        "http://127.0.0.1:8000/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "https://[fe80::1]/",
    ],
)
def test_inside_addresses_are_refused_before_connecting(url: str, no_connections: None):
    with pytest.raises(safehttp.Refused, match="private, loopback or link-local"):
        safehttp.post(url, b"{}", {})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "only http and https"),
        ("http://user:pw@example.com/", "credentials"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/", "bad port"),
    ],
)
def test_bad_addresses_are_refused(url: str, message: str, no_connections: None):
    with pytest.raises(safehttp.Refused, match=message):
        safehttp.post(url, b"{}", {})


def test_an_admin_may_allow_loopback(http_server):
    server = http_server()
    signature = signing.headers(SECRET, "msg_1", b"{}")
    status = safehttp.post(f"{server.url}/in?x=1", b"{}", signature, allow_private=True)
    assert status == 200
    assert server.received[0].path == "/in?x=1"
    assert server.bad_signatures == 0


def test_the_connection_goes_to_the_checked_address(monkeypatch, http_server):
    """A second DNS answer cannot swap the address: we connect to the one we checked."""
    server = http_server()
    port = int(server.url.rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "10.0.0.1"])

    def rebinding(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    target = safehttp.resolve(f"http://hooks.example.com:{port}/x", allow_private=True)
    assert target.address == "127.0.0.1"
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)  # next lookup would say 10.0.0.1
    with pytest.raises(safehttp.Refused):
        safehttp.resolve(f"http://hooks.example.com:{port}/x")
