"""Standard Webhooks signatures: the spec's published example, and a signed webhook received
over real HTTP by Lealtad's ASGI server."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from lealtad.channels.connectors import signing
from lealtad.channels.models import ReceivedEvent, WebhookReceipt
from tests.connectors.conftest import SECRET

# The example of the standard's reference library (standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py, test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_example_signs_the_same() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == (
        VECTOR_SIGNATURE
    )
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        # several signatures (a secret being rotated): one fitting is enough
        "webhook-signature": f"v2,abc v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ= {VECTOR_SIGNATURE}",
    }
    assert signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 299) == (
        VECTOR_ID
    )
    with pytest.raises(signing.SignatureRefused, match="more than 5 minutes"):
        signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 301)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-id": "msg_other"}, "no webhook-signature matches"),
        ({"webhook-timestamp": "1614265331"}, "no webhook-signature matches"),
        ({"webhook-timestamp": "ayer"}, "whole seconds"),
        ({"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="}, "no webhook"),
        ({"webhook-id": ""}, "missing webhook-id"),
    ],
)
def test_any_change_is_refused(change: dict[str, str], reason: str) -> None:
    headers = {
        "Webhook-Id": VECTOR_ID,
        "Webhook-Timestamp": str(VECTOR_TIMESTAMP),
        "Webhook-Signature": VECTOR_SIGNATURE,
    }
    headers = {k.lower(): v for k, v in headers.items()} | change
    with pytest.raises(signing.SignatureRefused, match=reason):
        signing.verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_a_plain_secret_is_its_utf8_bytes() -> None:
    """What a receiver using the standardwebhooks package passes: whsec_ + base64(secret)."""
    import base64

    plain = "s3cret-for-tests-0123456789"
    as_whsec = "whsec_" + base64.b64encode(plain.encode()).decode()
    stamp = int(datetime(2026, 11, 24, tzinfo=UTC).timestamp())
    assert signing.sign(plain, "m", stamp, b"{}") == signing.sign(as_whsec, "m", stamp, b"{}")


@pytest.mark.django_db(transaction=True)
def test_a_signed_webhook_over_real_http(asgi_server: str, install: Any) -> None:
    install("fulfilment")
    record = {
        "shipment": "S-77",
        "state": "DISPATCHED",
        "timestamp": "2026-11-24T09:00:00-05:00",
        "consignee": {"email": "mj@example.com", "name": "María José Quishpe"},
    }
    body = json.dumps([record]).encode()
    url = f"{asgi_server}/api/v1/connectors/fulfilment/webhook"
    headers = {"Content-Type": "application/json", **signing.headers(SECRET, "msg_http", body)}
    answer = httpx.post(url, content=body, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1
    assert WebhookReceipt.objects.filter(webhook_id="msg_http").exists()
    replay = httpx.post(url, content=body, headers=headers, timeout=10)
    assert replay.status_code == 409
    stale = signing.headers(SECRET, "msg_stale", body, now=time.time() - 600)
    old = httpx.post(url, content=body, headers={**headers, **stale}, timeout=10)
    assert old.status_code == 401
    assert ReceivedEvent.objects.count() == 1
