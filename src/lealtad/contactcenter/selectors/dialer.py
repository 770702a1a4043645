"""Reads of the outbound dialer's records: the lists with their figures, and their entries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from lealtad.contactcenter.models import Agent, CallList, CallListEntry
from lealtad.customers.selectors import subject

LIST_FIELDS = (
    "name",
    "label",
    "mode",
    "status",
    "purpose",
    "abandon_cap",
    "max_attempts",
    "hours",
    "default_time_zone",
    "criteria",
    "dialled",
    "answered",
    "connected",
    "abandoned",
)


def call_lists() -> QuerySet[CallList]:
    return CallList.objects.select_related("queue").order_by("name")


def call_list(name: str) -> CallList | None:
    return CallList.objects.select_related("queue").filter(name=name).first()


def list_figures(found: CallList) -> dict[str, Any]:
    """A list as plain values: its settings, its dial counters, the abandonment over its
    live answers, and how many entries are in each status."""
    out = {field: getattr(found, field) for field in LIST_FIELDS}
    out["queue"] = found.queue.name
    out["abandon_rate"] = found.abandoned / found.answered if found.answered else 0.0
    by_status = found.entries.values("status").annotate(n=Count("id")).order_by()
    out["entries"] = {row["status"]: row["n"] for row in by_status}
    return out


def entries(found: CallList, status: str | None = None, limit: int = 100, offset: int = 0):  # type: ignore[no-untyped-def]
    rows: QuerySet[CallListEntry] = found.entries.order_by("pk")
    if status:
        rows = rows.filter(status=status)
    return list(rows[offset : offset + limit])


def entry_out(entry: CallListEntry) -> dict[str, Any]:
    def iso(value):  # type: ignore[no-untyped-def]
        return value.isoformat() if value else None

    return {
        "id": entry.pk,
        "customer_id": entry.customer_id,
        "status": entry.status,
        "attempts": entry.attempts,
        "last_result": entry.last_result,
        "last_attempt_at": iso(entry.last_attempt_at),
        "next_try_at": iso(entry.next_try_at),
        "refusal": entry.refusal,
        "contact_id": entry.contact_id,
    }


def agent_extensions() -> list[str]:
    """The phones of the active agents, as a switch knows them."""
    rows = Agent.objects.filter(active=True).exclude(extension="")
    return list(rows.values_list("extension", flat=True))


def customer_names(customer_ids: list[int]) -> dict[int, str]:
    """Names to show beside entries (the desktop's screen pop shows the whole customer)."""
    return subject.display_names(customer_ids)
