"""The period a statement covers: a calendar month (``2026-05``) or a given range."""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lealtad.loyalty.services.common import LoyaltyRefused
from lealtad.loyalty_engine.months import add_months


def month_range(
    month: str | None, start: datetime | None = None, end: datetime | None = None
) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) in the installation's time zone; with
    no month and no range, the current month."""
    if start is not None or end is not None:
        if start is None or end is None or end <= start:
            raise LoyaltyRefused(_("Give a start and an end after it."), field="end")
        return start, end
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            first = timezone.make_aware(datetime.combine(datetime(year, number, 1), time()))
        except ValueError:
            raise LoyaltyRefused(
                _("A month is written YYYY-MM (2026-05)."), field="month"
            ) from None
    else:
        today = timezone.localdate()
        first = timezone.make_aware(datetime(today.year, today.month, 1))
    return first, add_months(first, 1)
