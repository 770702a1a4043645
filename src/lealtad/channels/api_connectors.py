"""HTTP API for connectors: inbound webhooks, outbound subscriptions, rejects, dead letters.

Everything but the inbound webhook needs ``hub.admin``. The inbound webhook is authenticated by
the connector's shared secret instead of a token, signed the Standard Webhooks way
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``; :mod:`.connectors.signing`):
a timestamp more than five minutes away or a ``webhook-id`` already received is refused.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict
from pydantic.config import JsonDict

from lealtad.channels import folders
from lealtad.channels.connectors import (
    inbound_files,
    inbound_replay,
    inbound_webhooks,
    registry,
    signing,
    subscribers,
)
from lealtad.channels.connectors.spec import Connector
from lealtad.channels.models import Reject, Subscription
from lealtad.core import dispatcher
from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.models import Delivery
from lealtad.core.roles import Capability
from lealtad.core.text_schema import WHITE_SPACE

router = Router(tags=["connectors"])

_EVENT_TYPE = r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$"
_WEBHOOK_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                }
            }
        },
    },
    "parameters": [
        {
            "name": signing.ID_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "The message's id, the same on every retry; a repeat is refused",
        },
        {
            "name": signing.TIMESTAMP_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
            "description": "Seconds since 1970; more than five minutes away is refused",
        },
        {
            "name": signing.SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            "description": "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}' with the "
            "connector's secret> (space-separated if several)",
        },
    ],
}


def _connector(name: str) -> Connector:
    found = registry.get(name)
    if found is None:
        raise HttpError(404, f"no connector named {name!r}")
    return found


# Connectors --------------------------------------------------------------------------------------


@router.get("/connectors", summary="Connectors, their streams and outbound entries")
def list_connectors(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    subscribers.sync()
    open_rejects = {
        row["connector"]: row["n"]
        for row in Reject.objects.filter(status=Reject.Status.OPEN)
        .values("connector")
        .annotate(n=Count("id"))
    }
    return {
        "connectors": [
            {
                "name": c.name,
                "system": c.system,
                "description": c.description,
                "inbound": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "event_type": s.event_type,
                        "format": s.format if s.kind == "file" else "json",
                        "folder": registry.describe_folder(c, s.folder) if s.kind == "file" else "",
                    }
                    for s in c.inbound
                ],
                "outbound": [
                    {"name": o.name, "kind": o.kind, "event_types": list(o.event_types)}
                    for o in c.outbound
                ],
                "open_rejects": open_rejects.get(c.name, 0),
            }
            for c in registry.all_connectors().values()
        ],
        "problems": registry.problems(),
    }


@router.post("/connectors/{name}/run", summary="Process the files waiting in its folders, once")
def run(request: HttpRequest, name: str) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    reports = inbound_files.run(_connector(name))
    return {"files": [r.__dict__ for r in reports]}


@router.post(
    "/connectors/{name}/webhook",
    auth=None,
    openapi_extra=_WEBHOOK_DOC,
    response={200: dict, **errors(401, 404, 409)},
    summary="Receive records from the system (HMAC-signed), one result per record",
)
def webhook(request: HttpRequest, name: str) -> dict[str, Any]:
    connector = registry.get(name)
    if connector is None or not any(s.kind == "webhook" for s in connector.inbound):
        raise HttpError(404, f"no connector named {name!r} receives webhooks")
    msg_id = signing.verify(connector.secret, request.headers, request.body)  # refused: 401
    try:
        body = json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, f"the body is not JSON: {exc}") from exc
    if isinstance(body, dict) and isinstance(body.get("records"), list):
        body = body["records"]
    records = body if isinstance(body, list) else [body]
    if not records:
        raise HttpError(400, "send one record or a list of records")
    if len(records) > settings.LEALTAD_MAX_BATCH:
        raise HttpError(413, f"at most {settings.LEALTAD_MAX_BATCH} records per request")
    if not inbound_webhooks.first_receipt(connector, msg_id):
        raise HttpError(409, f"webhook-id {msg_id!r} was already received (a replay)")
    try:
        outcomes = inbound_webhooks.receive(connector, records)
    except Exception:
        inbound_webhooks.forget_receipt(connector, msg_id)  # not applied: the sender may retry
        raise
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    for o in outcomes:
        counts[o.status] += 1
    return {
        **counts,
        "results": [
            {
                "record": o.line,
                "status": o.status,
                "id": o.event_id,
                "customer_id": o.customer_id,
                "errors": o.errors,
            }
            for o in outcomes
        ],
    }


# Subscriptions -----------------------------------------------------------------------------------


EventType = Annotated[str, Field(pattern=_EVENT_TYPE, max_length=80)]
_CTRL = r"\\\x00-\x1f\x7f"
_SEGMENT = rf"(?:[^/.{_CTRL}][^/{_CTRL}]*|\.[^/.{_CTRL}][^/{_CTRL}]*|\.\.[^/{_CTRL}]+|\.)"
# A relative folder with no '..' segment, not starting with '~' (checked again, links
# resolved, by channels.folders).
_FOLDER = rf"^[^/.~{WHITE_SPACE}{_CTRL}][^/{_CTRL}]*(?:/{_SEGMENT})*$"
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5]?[0-9]{1,4}))?"
_URL = rf"^https?://[A-Za-z0-9.-]+{_PORT}(?:[/?#][^{WHITE_SPACE}]*)?$"
# What the handler requires of each kind, said in the schema (JSON Schema if/then/else).
_BY_KIND: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "file"}}, "required": ["kind"]},
            "then": {
                "required": ["folder"],
                "properties": {"folder": {"minLength": 1, "pattern": _FOLDER}},
            },
            "else": {
                "required": ["url", "secret"],
                "properties": {
                    "url": {"minLength": 1, "pattern": _URL},
                    "secret": {"minLength": 16},
                },
            },
        },
        {
            "if": {"properties": {"mapping": {"minLength": 1}}, "required": ["mapping"]},
            "then": {"required": ["connector"], "properties": {"connector": {"minLength": 1}}},
        },
    ]
}


class SubscriptionIn(Schema):
    model_config = ConfigDict(json_schema_extra=cast(JsonDict, _BY_KIND))

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")
    event_types: list[EventType] = Field(min_length=1, max_length=50)
    kind: Literal["webhook", "file"] = "webhook"
    url: str = Field(default="", max_length=500)
    folder: str = Field(default="", max_length=200)
    secret: str = Field(default="", max_length=200)
    connector: str = Field(default="", max_length=80)
    mapping: str = Field(default="", max_length=80)
    active: bool = True
    allow_private: bool = False
    max_attempts: int = Field(default=8, ge=1, le=50)
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class SubscriptionPatch(Schema):
    active: bool | None = None
    allow_private: bool | None = None
    event_types: list[EventType] | None = Field(default=None, min_length=1, max_length=50)


def _subscription(row: Subscription) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "connector": row.connector,
        "mapping": row.mapping,
        "kind": row.kind,
        "url": row.url,
        "folder": row.folder,
        "event_types": row.event_types,
        "active": row.active,
        "allow_private": row.allow_private,
        "max_attempts": row.max_attempts,
        "source": row.source,
        "signed": bool(row.secret),
    }


def _check_types(types: list[str]) -> None:
    for t in types:
        if not re.match(_EVENT_TYPE, t) or len(t) > 80:
            raise HttpError(422, f"{t!r} is not an event type (or '*')")


def _check(data: SubscriptionIn) -> None:
    _check_types(data.event_types)
    if data.kind == "webhook":
        try:
            parts = urlsplit(data.url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
            ok = ok and re.fullmatch(_URL, data.url) is not None  # what the schema says
            _ = parts.port
        except ValueError:
            ok = False
        if not ok:
            raise HttpError(422, "a webhook needs an http:// or https:// address with a host")
        if len(data.secret) < 16:
            raise HttpError(422, "a webhook is signed: give it a secret of 16 characters or more")
    else:
        base = folders.data_root() / (data.connector or registry.SUBSCRIPTIONS_DIR)
        try:
            if data.folder[:1].isspace():  # the schema's first character, said here too
                raise folders.FolderRefused(f"{data.folder!r}: may not start with white space")
            folders.confine(data.folder, base)
        except folders.FolderRefused as exc:  # answered by lealtad.api, naming the field
            raise exc.under("folder") from None
    if data.connector:
        connector = _connector(data.connector)
        if data.mapping and not any(o.name == data.mapping for o in connector.outbound):
            raise HttpError(404, f"connector {data.connector!r} has no outbound {data.mapping!r}")
    elif data.mapping:
        raise HttpError(422, "a mapping belongs to a connector: name the connector too")


@router.get("/connectors/subscriptions", summary="Outbound subscriptions")
def list_subscriptions(request: HttpRequest) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    return {"subscriptions": [_subscription(s) for s in Subscription.objects.all()[:500]]}


@router.post(
    "/connectors/subscriptions",
    response={200: dict, **errors(404, 409)},
    summary="Add an outbound subscription (no restart)",
)
def add_subscription(request: HttpRequest, data: SubscriptionIn) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    _check(data)
    try:
        with transaction.atomic():
            row = Subscription.objects.create(**data.dict(), source=Subscription.Source.API)
    except IntegrityError as exc:
        raise HttpError(409, f"a subscription named {data.name!r} exists") from exc
    subscribers.sync_hub(force=True)
    return _subscription(row)


@router.patch("/connectors/subscriptions/{subscription_id}", summary="Pause, resume, retarget")
def change_subscription(
    request: HttpRequest, subscription_id: int, data: SubscriptionPatch
) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    row = get_object_or_404(Subscription, pk=subscription_id)
    if data.event_types is not None:
        _check_types(data.event_types)
        row.event_types = data.event_types
    if data.active is not None:
        row.active = data.active
    if data.allow_private is not None:
        row.allow_private = data.allow_private
    row.save()
    subscribers.sync_hub(force=True)
    return _subscription(row)


@router.delete(
    "/connectors/subscriptions/{subscription_id}",
    response={200: dict, **errors(409)},
    summary="Remove a subscription",
)
def remove_subscription(request: HttpRequest, subscription_id: int) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    row = get_object_or_404(Subscription, pk=subscription_id)
    if row.source == Subscription.Source.YAML:
        raise HttpError(409, "declared in its connector's YAML: pause it, or edit the file")
    row.delete()
    subscribers.sync_hub(force=True)
    return {"id": subscription_id, "deleted": True}


# Rejects and dead letters ------------------------------------------------------------------------


class ReplayIn(Schema):
    ids: list[int] = Field(default_factory=list, max_length=10_000)


@router.get("/connectors/{name}/rejects", summary="Records rejected, with line and field")
def rejects(
    request: HttpRequest, name: str, status: Literal["open", "resolved"] = "open"
) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    rows = Reject.objects.filter(connector=name, status=status).order_by("id")[:500]
    return {
        "rejects": [
            {
                "id": r.pk,
                "stream": r.stream,
                "source": r.source,
                "line": r.line,
                "field": r.field,
                "message": r.message,
                "errors": r.errors,
                "record": r.record,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]
    }


@router.post("/connectors/{name}/rejects/replay", summary="Try open rejects again")
def replay_rejects(request: HttpRequest, name: str, data: ReplayIn) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    report = inbound_replay.replay_rejects(_connector(name), data.ids or None)
    return report.__dict__


@router.post("/connectors/{name}/dead-letters/replay", summary="Replay its dead deliveries")
def replay_dead_letters(request: HttpRequest, name: str) -> dict[str, Any]:
    require(request, Capability.HUB_ADMIN)
    names = [s.hub_name for s in Subscription.objects.filter(connector=name)]
    if not names and registry.get(name) is None:
        raise HttpError(404, f"no connector named {name!r}")
    dead = list(
        Delivery.objects.filter(subscriber__in=names, status=Delivery.Status.DEAD).values_list(
            "pk", flat=True
        )
    )
    worker = dispatcher.default_dispatcher()
    for delivery_id in dead:
        worker.replay(delivery_id)
    return {"replayed": len(dead)}
