"""Bounces and complaints: what the mail provider's webhook, a DSN or a feedback report says
went wrong, turned into suppressions so nobody is written to at an address that does not
work or by someone who called us spam.

* hard bounce: the message is marked bounced and the address suppressed at once;
* soft bounce (mailbox full, greylisted): suppressed after 3 in 30 days for the address;
* complaint: the address suppressed and the customer's e-mail marketing consent withdrawn
  (through the customers context, with the report as proof).

Batch-first and idempotent on the reporter's id: the same webhook delivery retried, or the
same mailbox read twice, finds its ids taken and changes nothing. Every row is checked first
(``rows[4].kind``); a bad row refuses the batch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.db import new_row
from lealtad.core.errors import DomainError, Kind
from lealtad.core.write_batch import WriteBatch
from lealtad.marketing.models import Bounce, Message
from lealtad.marketing.models.campaigns import MessageStatus, SuppressionReason
from lealtad.marketing.models.responses import BounceKind
from lealtad.marketing.services.preferences import record_choice
from lealtad.marketing.services.suppressions import NewSuppression, normalized, suppress
from lealtad.marketing_engine.mail_reports import Report

SOFT_LIMIT = 3
SOFT_DAYS = 30
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class BounceRefused(DomainError):
    code = "bounce_refused"
    kind: Kind = "invalid"


class BounceMessageNotFound(BounceRefused):
    """A report naming a message that does not exist (the API answers 404)."""

    code = "not_found"
    kind = "not_found"


@dataclass(frozen=True)
class BounceIn:
    external_id: str
    kind: str
    message_id: int | None = None
    address: str = ""
    at: datetime | None = None
    status: str = ""
    detail: str = ""
    source: str = "webhook"


@dataclass(frozen=True)
class BounceOutcome:
    recorded: int  # new bounces
    repeated: int  # ids already known (or twice in the batch)
    suppressed: int  # addresses newly suppressed


def from_report(report: Report, source: str) -> BounceIn:
    return BounceIn(
        report.external_id[:200],
        report.kind,
        report.message_id,
        report.address,
        report.at,
        report.status,
        report.detail,
        source,
    )


def _check(row: BounceIn, where: str, known: set[int]) -> None:
    if not row.external_id.strip() or len(row.external_id) > 200:
        raise BounceRefused(
            _("Each report needs its id (200 characters at most)."), field=f"{where}id"
        )
    if row.kind not in BounceKind.values:
        raise BounceRefused(
            _("The kind is hard, soft or complaint, not %(k)s."), field=f"{where}kind", k=row.kind
        )
    if row.message_id is None and not row.address.strip():
        raise BounceRefused(_("Name the message or the address."), field=f"{where}message_id")
    if row.message_id is not None and row.message_id not in known:
        raise BounceMessageNotFound(
            _("There is no message %(m)s."), field=f"{where}message_id", m=row.message_id
        )
    if row.address and not _EMAIL.match(row.address.strip()):
        raise BounceRefused(
            _("%(a)s is not an e-mail address."), field=f"{where}address", a=row.address
        )


def record_bounces(rows: Sequence[BounceIn]) -> BounceOutcome:
    """Record every row or none (see the module's rules)."""
    messages = {
        m.pk: m
        for m in Message.objects.filter(
            pk__in={r.message_id for r in rows if r.message_id is not None}
        ).select_related("campaign")
    }
    for index, row in enumerate(rows):
        _check(row, f"rows[{index}]." if len(rows) > 1 else "", set(messages))
    now = timezone.now()
    with transaction.atomic():
        fresh = _fresh(rows)
        unnamed = {_address(r, messages) for r in fresh if r.message_id is None}
        by_address = _latest_messages(unnamed - {""})
        batch, bounces = WriteBatch(), []
        for row in fresh:
            address = _address(row, messages)
            message = messages.get(row.message_id or 0) or by_address.get(address)
            bounce = _row(row, message, address, row.at or now)
            bounces.append(bounce)
            batch.add(bounce)
        batch.flush()
        suppressed = _consequences(bounces, now)
    return BounceOutcome(len(fresh), len(rows) - len(fresh), suppressed)


def _address(row: BounceIn, messages: dict[int, Message]) -> str:
    if row.address:
        return normalized("email", row.address)
    found = messages.get(row.message_id or 0)
    return normalized("email", found.address) if found else ""


def _fresh(rows: Sequence[BounceIn]) -> list[BounceIn]:
    ids = {r.external_id.strip() for r in rows}
    seen = set(Bounce.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
    fresh = []
    for row in rows:
        key = row.external_id.strip()
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


def _latest_messages(addresses: set[str]) -> dict[str, Message]:
    """The newest e-mail message sent to each address: the one a report without our
    Message-ID is about."""
    found: dict[str, Message] = {}
    for message in Message.objects.filter(
        channel="email", address__in=addresses, sent_at__isnull=False
    ).order_by("address", "-sent_at", "-id"):
        found.setdefault(message.address, message)
    return found


def _row(row: BounceIn, message: Message | None, address: str, at: datetime) -> Bounce:
    return new_row(
        Bounce,
        external_id=row.external_id.strip(),
        message_id=message.pk if message else None,
        campaign_id=message.campaign_id if message else None,
        customer_id=message.customer_id if message else None,
        channel="email",
        address=address,
        kind=row.kind,
        status=row.status[:20],
        detail=row.detail[:300],
        source=row.source[:20],
        at=at,
    )


def _consequences(bounces: list[Bounce], now: datetime) -> int:
    hard = [b for b in bounces if b.kind == BounceKind.HARD]
    Message.objects.filter(pk__in=[b.message_id for b in hard if b.message_id]).update(
        status=MessageStatus.BOUNCED
    )
    rows = [_suppression(b, SuppressionReason.BOUNCE, now) for b in hard if b.address]
    rows += [_suppression(b, SuppressionReason.BOUNCE, now) for b in _soft_over_limit(bounces, now)]
    complaints = [b for b in bounces if b.kind == BounceKind.COMPLAINT]
    rows += [_suppression(b, SuppressionReason.COMPLAINT, now) for b in complaints if b.address]
    for complaint in complaints:
        if complaint.customer_id:
            record_choice(
                complaint.customer_id,
                "email",
                "marketing",
                False,
                "complaint (marked as spam)",
                f"bounce-{complaint.external_id}"[:120],
                complaint.at,
            )
    return suppress(rows) if rows else 0


def _soft_over_limit(bounces: list[Bounce], now: datetime) -> list[Bounce]:
    soft = {b.address: b for b in bounces if b.kind == BounceKind.SOFT and b.address}
    if not soft:
        return []
    since = now - timedelta(days=SOFT_DAYS)
    counts: dict[str, int] = {}
    for address in Bounce.objects.filter(
        address__in=soft, kind=BounceKind.SOFT, at__gte=since
    ).values_list("address", flat=True):
        counts[address] = counts.get(address, 0) + 1
    return [b for address, b in soft.items() if counts.get(address, 0) >= SOFT_LIMIT]


def _suppression(bounce: Bounce, reason: str, now: datetime) -> NewSuppression:
    return NewSuppression(
        "email",
        reason,
        address=bounce.address,
        customer_id=bounce.customer_id,
        source=f"{bounce.kind} {bounce.status} {bounce.source}".strip()[:120],
        at=bounce.at or now,
    )
