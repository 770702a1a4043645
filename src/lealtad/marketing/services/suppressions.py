"""Suppression lists: addresses (or whole customers) no campaign may write to on a channel.

Batch-first: an unsubscribe is a batch of one, a bounce file or an imported list of 100,000
addresses is one call. Every row is checked before anything is written (a bad row names
itself, ``rows[3].address``); an address already suppressed on the channel is kept as it was,
so a repeated import or a bounce reported twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.db import new_row
from lealtad.core.errors import DomainError
from lealtad.core.write_batch import WriteBatch
from lealtad.marketing.models import Suppression
from lealtad.marketing.models.campaigns import SuppressionReason

CHANNELS = frozenset({"email", "sms", "whatsapp", "phone", "mail"})
REASONS = frozenset(SuppressionReason.values)
CHUNK = 2000


class SuppressionRefused(DomainError):
    code = "suppression_refused"
    kind = "invalid"


@dataclass(frozen=True)
class NewSuppression:
    channel: str
    reason: str
    address: str = ""
    customer_id: int | None = None
    source: str = ""
    at: datetime | None = None


def normalized(channel: str, address: str) -> str:
    """The form an address is compared in: e-mail in lower case, phones without spaces."""
    value = address.strip()
    if channel == "email":
        return value.lower()
    if channel in ("sms", "whatsapp", "phone"):
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return value


def check(row: NewSuppression, where: str = "") -> None:
    if row.channel not in CHANNELS:
        raise SuppressionRefused(
            _("There is no channel %(c)s."), field=f"{where}channel", c=row.channel
        )
    if row.reason not in REASONS:
        raise SuppressionRefused(
            _("There is no reason %(r)s."), field=f"{where}reason", r=row.reason
        )
    address = normalized(row.channel, row.address)
    if not address and row.customer_id is None:
        raise SuppressionRefused(
            _("A suppression names an address or a customer."), field=f"{where}address"
        )
    if row.channel == "email" and address and ("@" not in address or " " in address):
        raise SuppressionRefused(
            _("%(a)s is not an e-mail address."), field=f"{where}address", a=row.address
        )
    if len(address) > 254 or len(row.source) > 120:
        raise SuppressionRefused(
            _("The address or the source is too long."), field=f"{where}address"
        )


def suppress(rows: Sequence[NewSuppression], *, indexed: bool = False) -> int:
    """Suppress every row, or none; answers how many were new. Errors name ``rows[i].field``
    in a batch of several (or always, ``indexed``: a file's one line is still its line)."""
    for index, row in enumerate(rows):
        check(row, f"rows[{index}]." if indexed or len(rows) > 1 else "")
    now = timezone.now()
    with transaction.atomic():
        fresh = _fresh(rows)
        write = WriteBatch()
        write.add(
            *(
                new_row(
                    Suppression,
                    channel=row.channel,
                    address=normalized(row.channel, row.address),
                    customer_id=row.customer_id,
                    reason=row.reason,
                    source=row.source,
                    at=row.at or now,
                )
                for row in fresh
            )
        )
        write.flush()
    return len(fresh)


def _key(row: NewSuppression) -> tuple[str, str, int | None]:
    address = normalized(row.channel, row.address)
    return (row.channel, address, None if address else row.customer_id)


def _fresh(rows: Sequence[NewSuppression]) -> list[NewSuppression]:
    """Rows not suppressed yet, each key once."""
    keys = {_key(row) for row in rows}
    known: set[tuple[str, str, int | None]] = set()
    items = sorted(keys, key=str)
    for start in range(0, len(items), CHUNK):
        part = items[start : start + CHUNK]
        addresses = {a for _c, a, _i in part if a}
        customers = {i for _c, a, i in part if not a and i is not None}
        query = Q(address__in=addresses) | Q(address="", customer_id__in=customers)
        for channel, address, customer in Suppression.objects.filter(query).values_list(
            "channel", "address", "customer_id"
        ):
            known.add((channel, address, None if address else customer))
    fresh, seen = [], set(known)
    for row in rows:
        key = _key(row)
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


def remove(suppression_ids: Iterable[int]) -> int:
    """Lift suppressions (a manual entry made by mistake); answers how many were removed."""
    with transaction.atomic():
        deleted, _per_model = Suppression.objects.filter(pk__in=list(suppression_ids)).delete()
    return deleted


def parse_csv(text: str, source: str) -> list[NewSuppression]:
    """Rows of a CSV with a header naming ``channel`` and ``address`` (and optionally
    ``reason``, ``customer_id``): an import. A bad line names itself (``rows[3].address``)."""
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    if not {"channel", "address"} <= fields and not {"channel", "customer_id"} <= fields:
        raise SuppressionRefused(
            _("The file needs a header with channel and address (or customer_id)."),
            field="file",
        )
    rows = []
    for index, line in enumerate(reader):
        line = {(k or "").strip().lower(): (v or "").strip() for k, v in line.items()}
        customer = line.get("customer_id") or ""
        if customer and not customer.isdigit():
            raise SuppressionRefused(
                _("%(v)s is not a customer id."), field=f"rows[{index}].customer_id", v=customer
            )
        rows.append(
            NewSuppression(
                channel=line.get("channel", "").lower(),
                address=line.get("address", ""),
                customer_id=int(customer) if customer else None,
                reason=line.get("reason") or SuppressionReason.IMPORT,
                source=source,
            )
        )
    return rows
