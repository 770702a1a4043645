"""The client's address, trusting ``X-Forwarded-For`` only from configured proxies.

Shared HTTP plumbing: the sign-in throttle (accounts) and the public forms' spam guard (sales)
count requests by it. A header any client can send must not decide whom they count: behind
no proxy the address is the socket's peer (``REMOTE_ADDR``). Only when that peer is one of
``LEALTAD_TRUSTED_PROXIES`` (CIDRs) is ``X-Forwarded-For`` read, from the right, skipping
trusted proxies, so a client cannot pose as another by prepending addresses.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in settings.LEALTAD_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """The address this request is counted under."""
    peer = _ip(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return UNKNOWN
    if not _trusted(peer):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        address = _ip(hop)
        if address is None:
            break  # a malformed hop: stop at the last address a trusted proxy vouched for
        if not _trusted(address):
            return str(address)
        peer = address
    return str(peer)
