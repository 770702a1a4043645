"""Webhook signatures, the Standard Webhooks way (https://www.standardwebhooks.com/).

Plain Python (no Django). Every webhook carries three headers:

* ``webhook-id``: the message's id, the same on every retry (Lealtad sends the event id);
* ``webhook-timestamp``: when it was signed, in whole seconds since the epoch;
* ``webhook-signature``: ``v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``,
  possibly several separated by spaces (while a secret is being rotated).

Because the id and the time are signed with the body, a receiver can refuse a message older
than a few minutes and one whose id it has already seen: a captured delivery cannot be
replayed. The key is the secret's bytes: a secret written ``whsec_<base64>`` (the standard's
form) is the base64-decoded part; any other secret (16 characters or more) is its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from lealtad.core.errors import DomainError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"


class SignatureRefused(DomainError):
    """The webhook is not signed as it must be; the message says what is wrong (401: the
    sender is not proven, whatever the body says)."""

    code = "signature_refused"
    kind = "unauthenticated"


def secret_key(secret: str) -> bytes:
    """The HMAC key behind a secret (``whsec_<base64>``, or any other text as UTF-8)."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except binascii.Error as exc:
            raise SignatureRefused("the whsec_ secret is not valid base64") from exc
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The three headers of a signed webhook, signed now."""
    timestamp = int(time.time() if now is None else now)
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, msg_id, timestamp, body),
    }


def verify(secret: str, received: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """The message id of a correctly signed, fresh webhook; :class:`SignatureRefused` if a
    header is missing, the timestamp is more than five minutes away, or no signature fits.
    ``received`` is looked up case-insensitively (as HTTP headers are)."""
    lower = {k.lower(): v for k, v in received.items()}
    msg_id = lower.get(ID_HEADER, "").strip()
    stamp = lower.get(TIMESTAMP_HEADER, "").strip()
    signatures = lower.get(SIGNATURE_HEADER, "").split()
    if not secret:
        raise SignatureRefused("this connector has no secret to check signatures with")
    if not (msg_id and stamp and signatures):
        raise SignatureRefused(
            f"missing {ID_HEADER}, {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header"
        )
    if not stamp.isdigit():
        raise SignatureRefused(f"{TIMESTAMP_HEADER} must be whole seconds since 1970")
    timestamp = int(stamp)
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        raise SignatureRefused(
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS // 60} minutes from now "
            "(a replay, or the sender's clock is wrong)"
        )
    expected = sign(secret, msg_id, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise SignatureRefused(f"no {SIGNATURE_HEADER} matches this body with the secret")
    return msg_id
