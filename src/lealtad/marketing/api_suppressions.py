"""Suppression lists over HTTP: list, add (a batch), import a CSV file, remove."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import ConfigDict

from lealtad.core.access import require
from lealtad.core.api_errors import errors
from lealtad.core.roles import Capability
from lealtad.marketing.selectors import campaigns as read
from lealtad.marketing.services import suppressions

router = Router(tags=["marketing: suppressions"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class SuppressionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=12)
    reason: str = Field(default="manual", max_length=12)
    address: str = Field(default="", max_length=254)
    customer_id: int | None = None
    source: str = Field(default="", max_length=120)


def suppression_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "channel": row.channel,
        "address": row.address,
        "customer_id": row.customer_id,
        "reason": row.reason,
        "source": row.source,
        "at": row.at,
    }


@router.get("/marketing/suppressions", response={200: list[dict[str, Any]]})
def list_suppressions(
    request: HttpRequest, channel: str = "", q: str = "", limit: int = 200
) -> Any:
    """Newest first; ``q`` finds part of an address."""
    require(request, Capability.MARKETING_VIEW)
    return [suppression_out(r) for r in read.suppressions(channel, q, max(1, min(limit, 1000)))]


@router.post("/marketing/suppressions", response={200: dict[str, Any]})
def add_suppressions(request: HttpRequest, body: list[SuppressionIn]) -> Any:
    """Suppress every row or none (an error names ``rows[i].field``); an address already
    suppressed on the channel is left as it was."""
    who = require(request, Capability.MARKETING_MANAGE)
    rows = [
        suppressions.NewSuppression(
            channel=b.channel,
            reason=b.reason,
            address=b.address,
            customer_id=b.customer_id,
            source=b.source or f"api:{who.actor.label}",
        )
        for b in body
    ]
    return {"added": suppressions.suppress(rows), "rows": len(rows)}


@router.post(
    "/marketing/suppressions/import",
    response={200: dict[str, Any], **errors(422)},
    summary="Import a suppression list from CSV (all rows or none)",
    description="Header: `channel`, `address` (or `customer_id`), optionally `reason`. Every "
    "row is checked first; a bad one refuses the file naming `rows[i].field`. Addresses "
    "already suppressed are left as they were, so importing the same file twice adds nothing.",
)
def import_suppressions(
    request: HttpRequest, file: File[UploadedFile], source: Form[str] = ""
) -> Any:
    who = require(request, Capability.MARKETING_MANAGE)
    data = file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise suppressions.SuppressionRefused(_("The file is larger than 20 MB."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise suppressions.SuppressionRefused(
            _("The file is not UTF-8 text."), field="file"
        ) from None
    rows = suppressions.parse_csv(text, source=source or f"import:{who.actor.label}")
    return {"added": suppressions.suppress(rows, indexed=True), "rows": len(rows)}


@router.delete("/marketing/suppressions/{suppression_id}", response={200: dict[str, Any]})
def remove_suppression(request: HttpRequest, suppression_id: int) -> Any:
    """Lift one suppression (a manual entry made by mistake)."""
    require(request, Capability.MARKETING_MANAGE)
    return {"removed": suppressions.remove([suppression_id])}
