"""Outbound HTTP that cannot be pointed at the inside of the network (SSRF guard).

The host is resolved once with :func:`socket.getaddrinfo`; if any address it resolves to is
private, loopback, link-local, multicast, reserved or otherwise not global, the request is
refused before a socket is opened, unless the subscription was allowed private addresses by an
admin. The connection then goes to the checked address itself (the ``Host`` header and, for
https, the TLS server name and certificate check use the original host name), so a second DNS
answer cannot swap it (DNS rebinding). Redirects are never followed: a 3xx is a failed
delivery. Standard library only.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "Lealtad-Hub/1"


class Refused(Exception):
    """The address is not one we may connect to; nothing was sent."""


class DeliveryFailed(Exception):
    """The request was sent but not accepted (timeout, connection error, non-2xx)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the resolved IP we will connect to


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved


def resolve(url: str, allow_private: bool = False) -> Target:
    """Check ``url`` and the addresses its host resolves to; raise :class:`Refused`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"only http and https addresses are allowed, not {parts.scheme!r}")
    if parts.username or parts.password:
        raise Refused("credentials in the address are not allowed; use the signature")
    host = parts.hostname
    if not host:
        raise Refused("the address has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused(f"bad port: {exc}") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"cannot resolve {host!r}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Refused(f"{host!r} resolves to no address")
    if not allow_private:
        bad = [a for a in addresses if _forbidden(a)]
        if bad:
            raise Refused(
                f"{host!r} resolves to a private, loopback or link-local address "
                f"({', '.join(bad)}); an admin may allow private addresses for this subscription"
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed IP, with SNI and certificate checked against the real host name."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=ssl.create_default_context())
        self._server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(  # type: ignore[attr-defined]
            sock, server_hostname=self._server_name
        )


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool = False,
    timeout: float = 5.0,
) -> int:
    """POST ``body``; return the 2xx status or raise :class:`Refused` / :class:`DeliveryFailed`."""
    target = resolve(url, allow_private)
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = _PinnedHTTPS(target.address, target.port, target.host, timeout)
    else:
        conn = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header = f"{host_header}:{target.port}"
    sent = {
        "Host": host_header,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **headers,
    }
    try:
        conn.request("POST", target.path, body=body, headers=sent)
        response = conn.getresponse()
        status = response.status
        location = response.getheader("Location", "")
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    if 300 <= status < 400:
        raise DeliveryFailed(f"HTTP {status} redirect to {location!r} not followed")
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
    return status
