"""Bulk endpoints of the customers context: CSV import (all or nothing) and CSV export."""

from __future__ import annotations

from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import File, Form, Router
from ninja.files import UploadedFile

from lealtad.core import audit
from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.customers import selectors
from lealtad.customers.bulk import csv_export, csv_import
from lealtad.customers.models import Customer

router = Router(tags=["customers"])


@router.post(
    "/customers/import",
    response={200: dict, 422: dict},
    summary="Import customers from CSV with a YAML mapping (all rows or none)",
    description="Every row is checked first; if any row is bad nothing is imported and every "
    "problem is listed with its CSV line and column (status 422). With `dry_run` the file is "
    "only checked. The mapping format is in docs/import-export.md.",
)
def import_customers(
    request: HttpRequest,
    file: File[UploadedFile],
    mapping: Form[str],
    dry_run: Form[bool] = False,
) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.IMPORT)
    report = csv_import.import_data(
        file.file if file.file is not None else b"",
        mapping,
        dry_run=dry_run,
        actor=who.actor,
        source=file.name or "upload.csv",
        allowed_channels=who.channels,
    )
    return (200 if report.ok else 422), report.as_dict()


@router.get(
    "/customers/export",
    summary="Every customer as CSV, with its external ids per source system",
    description="Streams `text/csv`. `bom=true` starts the file with a UTF-8 byte order mark "
    "so Excel shows accents right.",
)
def export_customers(request: HttpRequest, bom: bool = False) -> StreamingHttpResponse:
    who = require(request, Capability.EXPORT)
    scope = ",".join(sorted(who.channels)) or "all"
    audit.record(who.actor, "export", "customers", scope, {"format": [None, "csv"]})
    # A channel-bound token exports its channel's customers only (core.rules).
    only = selectors.visible_to(Customer.objects.all(), who.reader) if who.channels else None
    content = (
        csv_export.aiter_csv(bom=bom, customers=only)
        if isinstance(request, ASGIRequest)
        else csv_export.iter_csv(bom=bom, customers=only)
    )
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="lealtad-customers-{stamp}.csv"'
    return response
