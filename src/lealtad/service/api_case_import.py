"""``POST /api/v1/service/cases/import``: cases from another help desk, as a CSV file."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from lealtad.core import csv_rows
from lealtad.core.access import require
from lealtad.core.roles import Capability
from lealtad.service.services import case_import

router = Router(tags=["service desk: cases"])


@router.post(
    "/service/cases/import",
    response={200: dict, 422: dict},
    summary="Import cases from CSV (all rows or none)",
    description="Columns: `reference`, `subject`, `category` (required); `subtype`, "
    "`description`, `channel`, `priority`, `status`, `opened_at`, `resolved_at`, `outcome`, "
    "`group`, `order_number`, `product_sku`, `contract_number`, and the customer by "
    "`customer_id`, `email`, `national_id` or `phone`. Every row is checked first; if any is "
    "wrong nothing is imported and each problem is listed with its line and column (422). A "
    "customer who cannot be told apart leaves the case for triage, with a warning. The same "
    "`source` and `reference` again is the same case: a repeated import opens nothing twice. "
    "With `dry_run` the file is only checked.",
)
def import_cases(
    request: HttpRequest,
    file: File[UploadedFile],
    source: Form[str] = "import",
    dry_run: Form[bool] = False,
) -> tuple[int, dict[str, Any]]:
    who = require(request, Capability.SERVICE_SUPERVISE)
    try:
        rows = csv_rows.read_csv(file.read())
    except csv_rows.UnreadableFile as exc:
        return 422, {"ok": False, "problems": [exc.problem.__dict__], "warnings": []}
    report = case_import.import_cases(rows, source=source, actor=who.actor, dry_run=dry_run)
    return (200 if report.ok else 422), report.as_dict()
