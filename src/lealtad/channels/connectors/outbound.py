"""Outbound delivery of hub messages to one subscription: a signed webhook or a file.

Called by the hub dispatcher (one hub subscriber per :class:`Subscription`), so each
subscription has its own retries with backoff, dead letters and replay, and a failing one holds
back no other. Deliveries are at least once: receivers deduplicate on ``webhook-id`` (webhooks)
or the ``event_id`` in each line (files).

Webhooks are signed the Standard Webhooks way (:mod:`.signing`): ``webhook-id``,
``webhook-timestamp``, ``webhook-signature``. ``X-Lealtad-Signature`` (HMAC of the body alone,
which cannot tell a replay) is still sent for receivers written before, and is deprecated.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
from datetime import tzinfo
from typing import Any

from django.utils import timezone

from lealtad.channels.connectors import mapping, registry, safehttp, signing
from lealtad.channels.models import Subscription
from lealtad.core import hub
from lealtad.core.event_ids import is_safe_event_id

LEGACY_SIGNATURE_HEADER = "X-Lealtad-Signature"
EVENT_ID_HEADER = "X-Lealtad-Event-Id"
EVENT_TYPE_HEADER = "X-Lealtad-Event-Type"


class NotDeliverable(Exception):
    """The subscription cannot format this message (its connector or mapping is missing)."""


def legacy_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body alone (deprecated: replayable)."""
    return "sha256=" + hmac.new(signing.secret_key(secret), body, hashlib.sha256).hexdigest()


def webhook_id(message: hub.Message) -> str:
    """The message's ``webhook-id``: its event id, the same on every retry (a hash of it in
    the rare stored id with characters a header should not carry)."""
    if is_safe_event_id(message.event_id):
        return message.event_id
    return "msg_" + hashlib.sha256(message.event_id.encode()).hexdigest()[:32]


def source_document(message: hub.Message) -> dict[str, Any]:
    """What an outbound mapping reads: the document every way out carries (:func:`hub.document`)."""
    return hub.document(message)


def render(sub: Subscription, message: hub.Message, tz: tzinfo | None = None) -> dict[str, Any]:
    """The record the external system receives for ``message``."""
    document = source_document(message)
    if not sub.mapping:
        return document
    connector = registry.get(sub.connector)
    entry = (
        next((o for o in connector.outbound if o.name == sub.mapping), None) if connector else None
    )
    if entry is None:
        raise NotDeliverable(f"connector {sub.connector!r} has no outbound {sub.mapping!r}")
    rules = entry.rules_for(message.event_type)
    if rules is None:
        return document
    return mapping.map_out(document, rules, tz or timezone.get_default_timezone())


def deliver(sub: Subscription, message: hub.Message) -> None:
    record = render(sub, message)
    if sub.kind == Subscription.Kind.FILE:
        _append(sub, message, record)
    else:
        _post(sub, message, record)


def _post(sub: Subscription, message: hub.Message, record: dict[str, Any]) -> None:
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    msg_id = webhook_id(message)
    headers = {EVENT_ID_HEADER: msg_id, EVENT_TYPE_HEADER: message.event_type}
    if sub.secret:
        headers.update(signing.headers(sub.secret, msg_id, body))
        headers[LEGACY_SIGNATURE_HEADER] = legacy_signature(sub.secret, body)
    safehttp.post(
        sub.url,
        body,
        headers,
        allow_private=sub.allow_private,
        timeout=sub.timeout_seconds,
    )


def _append(sub: Subscription, message: hub.Message, record: dict[str, Any]) -> None:
    connector = registry.get(sub.connector) if sub.connector else None
    where = (
        registry.folder(connector, sub.folder)
        if connector
        else registry.folder_for_subscription(sub.folder)
    )
    where.mkdir(parents=True, exist_ok=True)
    fmt = _file_format(sub, connector)
    day = timezone.localdate().strftime("%Y%m%d")
    path = where / f"{sub.name}-{day}.{fmt}"
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        if not path.exists():
            writer.writerow(list(record))
        writer.writerow([_cell(v) for v in record.values()])
        line = text.getvalue()
    else:
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())


def _file_format(sub: Subscription, connector: Any) -> str:
    if connector is None:
        return "jsonl"
    entry = next((o for o in connector.outbound if o.name == sub.mapping), None)
    return entry.format if entry else "jsonl"


def _cell(value: Any) -> str:
    """CSV cell; a leading = + - @ is escaped so a spreadsheet does not run it as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
