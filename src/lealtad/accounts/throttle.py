"""The sign-in throttle: failed attempts counted per account and per client address.

Both limits apply: ``LEALTAD_LOGIN_ATTEMPTS`` failures for one account (from anywhere) and
``LEALTAD_LOGIN_ADDRESS_ATTEMPTS`` failures from one address (for any account) within
``LEALTAD_LOGIN_WINDOW_SECONDS`` lock further attempts until the oldest failure leaves the
window. The account limit stops a slow guess spread over many addresses; the address limit
stops one client trying many accounts. Counts live in the database (``LoginFailure``), so
they hold across worker processes, servers and cache clears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from lealtad.accounts.models import LoginFailure


@dataclass(frozen=True)
class Lockout:
    """Why sign-in is refused now, and for how many seconds more."""

    reason: str  # "account" or "address"
    retry_after: int


def account_key(username: str) -> str:
    """Failures of ``Admin`` and ``admin`` count together."""
    return username.strip().casefold()[:150]


def _window_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.LEALTAD_LOGIN_WINDOW_SECONDS)


def _over(rows: QuerySet[LoginFailure], limit: int, now: datetime) -> int | None:
    """Seconds until the window frees a slot, or None when under ``limit``."""
    found = rows.aggregate(count=Count("id"), oldest=Min("failed_at"))
    if found["count"] < limit or found["oldest"] is None:
        return None
    ends = found["oldest"] + timedelta(seconds=settings.LEALTAD_LOGIN_WINDOW_SECONDS)
    return max(1, int((ends - now).total_seconds()) + 1)


def lockout(username: str, address: str) -> Lockout | None:
    """The lockout in force for this account or address, if any."""
    now = timezone.now()
    recent = LoginFailure.objects.filter(failed_at__gte=_window_start(now))
    wait = _over(
        recent.filter(username=account_key(username)), settings.LEALTAD_LOGIN_ATTEMPTS, now
    )
    if wait is not None:
        return Lockout("account", wait)
    wait = _over(recent.filter(address=address), settings.LEALTAD_LOGIN_ADDRESS_ATTEMPTS, now)
    if wait is not None:
        return Lockout("address", wait)
    return None


def record_failure(username: str, address: str) -> None:
    """Count one failed sign-in, and forget failures that left the window."""
    now = timezone.now()
    LoginFailure.objects.filter(failed_at__lt=_window_start(now)).delete()
    LoginFailure.objects.create(username=account_key(username), address=address, failed_at=now)


def clear_account(username: str) -> None:
    """A complete sign-in forgives the account's failures (the address's stay counted)."""
    LoginFailure.objects.filter(username=account_key(username)).delete()


def failures(username: str | None = None, address: str | None = None) -> int:
    """Failures within the window, for one account or one address."""
    rows = LoginFailure.objects.filter(failed_at__gte=_window_start(timezone.now()))
    if username is not None:
        rows = rows.filter(username=account_key(username))
    if address is not None:
        rows = rows.filter(address=address)
    return rows.count()
