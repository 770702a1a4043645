"""Calendar months added to a moment (expiry, tier windows, grace): the same day of a later
month, the month's last day when it has no such day (31 January + 1 month = 28/29 February)."""

from __future__ import annotations

import calendar
from datetime import datetime


def add_months(at: datetime, months: int) -> datetime:
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)
