"""Erasing a person from what the channels context keeps: external records, rejects and the
files its file subscriptions wrote.

External records (an invoice, a balance reported by a billing system) keep their amounts and
keys with the personal content erased; a connector's reject keeps its place in the file and the
reason, with the person's values erased from the record; lines of outbound files written
under the data directory (Lealtad's own copies on its disk) are rewritten with the person's
values erased. What was already delivered to another system is that system's to erase: the
``customer.erased`` event tells it (docs/privacy.md).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction

from lealtad.channels.connectors import registry
from lealtad.channels.models import ExternalRecord, Reject, Subscription
from lealtad.core.redaction import ERASED, Redactor


@transaction.atomic
def anonymize_customer_records(customer_ids: Iterable[int], redactor: Redactor) -> dict[str, int]:
    ids = sorted(set(customer_ids))
    records = list(ExternalRecord.objects.filter(customer_id__in=ids))
    for record in records:
        record.data = redactor.document(record.data)
    ExternalRecord.objects.bulk_update(records, ["data"], batch_size=500)
    rejects = 0
    if redactor:
        rejects = _scrub_rejects(redactor)
    return {
        "external_records": len(records),
        "rejects": rejects,
        "file_lines": scrub_files(set(ids), redactor),
    }


def _scrub_rejects(redactor: Redactor) -> int:
    changed = []
    for reject in Reject.objects.only("id", "record", "errors", "message").iterator(2000):
        text = json.dumps([reject.record, reject.errors, reject.message], ensure_ascii=False)
        if redactor.matches(text):
            reject.record = redactor.document(reject.record)
            reject.errors = redactor.document(reject.errors)
            reject.message = redactor.text(reject.message)
            changed.append(reject)
    Reject.objects.bulk_update(changed, ["record", "errors", "message"], batch_size=500)
    return len(changed)


def _subscription_folders() -> Iterator[tuple[str, Path]]:
    for sub in Subscription.objects.filter(kind=Subscription.Kind.FILE):
        connector = registry.get(sub.connector) if sub.connector else None
        where = (
            registry.folder(connector, sub.folder)
            if connector
            else registry.folder_for_subscription(sub.folder)
        )
        yield sub.name, where


def scrub_files(customer_ids: set[int], redactor: Redactor) -> int:
    """Rewrite the outbound files' lines about the person; returns how many lines changed."""
    changed = 0
    for name, where in _subscription_folders():
        if not where.is_dir():
            continue
        for path in sorted(where.glob(f"{name}-*.*")):
            if path.suffix == ".csv":
                changed += _rewrite(path, _csv_lines(path, redactor))
            elif path.suffix == ".jsonl":
                changed += _rewrite(path, _jsonl_lines(path, customer_ids, redactor))
    return changed


def _jsonl_lines(path: Path, ids: set[int], redactor: Redactor) -> Iterator[tuple[str, bool]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record: Any = json.loads(line)
            except json.JSONDecodeError:
                yield (ERASED + "\n", True) if redactor.matches(line) else (line, False)
                continue
            ours = isinstance(record, dict) and record.get("customer_id") in ids
            if ours or redactor.matches(line):
                clean = redactor.document(record, personal=False)
                yield json.dumps(clean, ensure_ascii=False, default=str) + "\n", True
            else:
                yield line, False


def _csv_lines(path: Path, redactor: Redactor) -> Iterator[tuple[str, bool]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            clean = [redactor.text(cell) for cell in row]
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(clean)
            yield out.getvalue(), clean != row


def _rewrite(path: Path, lines: Iterator[tuple[str, bool]]) -> int:
    """Write the file anew beside the old one, then swap: a crash leaves one or the other."""
    temp = path.with_name(path.name + ".erasing")
    changed = 0
    with temp.open("w", encoding="utf-8") as out:
        for line, touched in lines:
            out.write(line)
            changed += touched
        out.flush()
        os.fsync(out.fileno())
    if not changed:
        temp.unlink()
        return 0
    temp.chmod(path.stat().st_mode & 0o777)
    temp.replace(path)
    return changed
