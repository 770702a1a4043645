"""What the field-service use cases share: their refusals, numbering and announcements."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from lealtad.core import hub
from lealtad.core.audit import jsonable
from lealtad.core.errors import DomainError


class FieldRefused(DomainError):
    code = "field_refused"
    kind = "invalid"


class FieldNotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class FieldState(DomainError):
    """The record's state forbids it: received twice, closed twice, a PO already received."""

    code = "field_state"
    kind = "conflict"


def placeholder() -> str:
    """A unique number to create a row under until its id names it (fits 20 characters)."""
    return f"T-{uuid.uuid4().hex[:17]}"


def numbered(row: models.Model, prefix: str) -> str:
    """``PREFIX-000123`` from the row's id, saved on the row (created with a placeholder)."""
    number = f"{prefix}-{row.pk:06d}"
    row.number = number  # type: ignore[attr-defined]
    row.save(update_fields=["number"])
    return number


def announce(
    event_type: str, key: str, payload: dict[str, Any], customer_id: int | None = None
) -> None:
    """An outbox row with a stable id (``RMA-000001#rma.resolved``): repeats are recognisable."""
    hub.publish(
        event_type,
        jsonable({"customer_id": customer_id, **payload}),
        event_id=f"{key}#{event_type}",
        channel="service",
        customer_id=customer_id,
    )
