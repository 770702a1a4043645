"""Quality defects found on products while working cases; engineering hears when one product
gathers too many in a short time.

The alert is raised once per product while its defects stay above the threshold in the window:
a product that keeps failing is not announced on every new defect, but a new alert comes once
the window that raised the last one has passed."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.core.audit import Actor
from lealtad.service.models import Case, Defect, DefectAlert
from lealtad.service.services.field_common import FieldNotFound, FieldRefused, announce

THRESHOLD = 5
WINDOW_DAYS = 30


@dataclass
class NewDefect:
    product_sku: str
    description: str
    case_id: int | None = None
    code: str = ""
    serial: str = ""


def record_defect(
    new: NewDefect,
    actor: Actor,
    at: datetime | None = None,
    threshold: int = THRESHOLD,
    window_days: int = WINDOW_DAYS,
) -> tuple[Defect, DefectAlert | None]:
    """The defect, and the alert it raised (if it was the one that passed the threshold)."""
    if not new.product_sku.strip():
        raise FieldRefused(_("A defect is on a product."), field="product_sku")
    if not new.description.strip():
        raise FieldRefused(_("Describe the defect."), field="description")
    if threshold < 1 or window_days < 1:
        raise FieldRefused(_("Threshold and window are at least 1."), field="threshold")
    found_at = at or timezone.now()
    sku = new.product_sku.strip()
    with transaction.atomic():
        _one_at_a_time(sku)
        if new.case_id is not None and not Case.objects.filter(pk=new.case_id).exists():
            raise FieldNotFound(_("There is no case %(c)s."), field="case_id", c=new.case_id)
        defect = Defect.objects.create(
            product_sku=sku,
            case_id=new.case_id,
            code=new.code.strip()[:60],
            description=new.description.strip(),
            serial=new.serial.strip()[:80],
            found_at=found_at,
            reported_by=actor.label[:150],
        )
        return defect, _maybe_alert(sku, found_at, threshold, window_days)


_LOCK_SPACE = 0x5EF7  # the defects' own key space among PostgreSQL's advisory locks


def _one_at_a_time(sku: str) -> None:
    """Defects of one product are counted one transaction at a time, so two recorded at once
    cannot both raise (or both miss) the alert. SQLite has one writer at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_LOCK_SPACE, zlib.crc32(sku.encode()) - 2**31],
            )


def _maybe_alert(sku: str, at: datetime, threshold: int, window_days: int) -> DefectAlert | None:
    since = at - timedelta(days=window_days)
    count = Defect.objects.filter(product_sku=sku, found_at__gt=since, found_at__lte=at).count()
    if count < threshold:
        return None
    if DefectAlert.objects.filter(product_sku=sku, raised_at__gt=since).exists():
        return None
    alert = DefectAlert.objects.create(
        product_sku=sku, count=count, window_days=window_days, threshold=threshold, raised_at=at
    )
    announce(
        "defect.threshold_reached",
        f"{sku}:{alert.pk}",
        {"product_sku": sku, "count": count, "window_days": window_days, "threshold": threshold},
    )
    return alert


def acknowledge(alert_id: int, actor: Actor) -> DefectAlert:
    with transaction.atomic():
        alert = DefectAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise FieldNotFound(_("There is no alert %(a)s."), field="alert", a=alert_id)
        if alert.acknowledged_at is None:
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["acknowledged_at"])
    return alert
