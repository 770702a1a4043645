"""The signed case token we put in every outgoing Message-ID and Reply-To.

A reply's In-Reply-To carries our Message-ID back, and many clients that drop it still
answer the Reply-To address, so either one names the case. The HMAC (with a secret the
caller passes, never stored with the mail) means a sender cannot make up a token to post
into somebody else's case: a forged or altered token is simply not a token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN = re.compile(r"(?<![0-9a-z])c(\d{1,18})[.-]([0-9a-f]{20})(?![0-9a-f])", re.IGNORECASE)


def _signature(case_id: int, secret: bytes) -> str:
    mac = hmac.new(secret, f"lealtad-case:{case_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:20]


def case_token(case_id: int, secret: bytes) -> str:
    if case_id < 0:
        raise ValueError(f"case_id: must be zero or more (got {case_id})")
    return f"c{case_id}-{_signature(case_id, secret)}"


def message_id(case_id: int, secret: bytes, domain: str) -> str:
    """A fresh Message-ID (without angle brackets) that carries the case's token."""
    return f"{secrets.token_hex(8)}.{case_token(case_id, secret).replace('-', '.')}@{domain}"


def reply_address(mailbox: str, case_id: int, secret: bytes) -> str:
    """``support@acme.ec`` becomes ``support+c42-…@acme.ec`` (plus addressing)."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+{case_token(case_id, secret)}@{domain}"


def verified_case(text: str, secret: bytes) -> int | None:
    """The case named by a genuine token anywhere in ``text``, else ``None``."""
    for match in TOKEN.finditer(text):
        case_id, signature = int(match.group(1)), match.group(2).lower()
        if hmac.compare_digest(signature, _signature(case_id, secret)):
            return case_id
    return None
