"""Reads of the standing the analytics refresh writes back on each customer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from lealtad.customers.models import Customer, CustomerStanding

FIELDS = [f.attname for f in CustomerStanding._meta.concrete_fields]


def standing_of(customer_id: int) -> dict[str, Any] | None:
    """The customer's standing as plain values, or None before their first refresh."""
    row = CustomerStanding.objects.filter(customer_id=customer_id).values(*FIELDS).first()
    return dict(row) if row else None


def current_tiers(customer_ids: list[int] | None = None) -> dict[int, str]:
    """Each customer's value tier now (all customers with a standing when ``None``)."""
    rows = CustomerStanding.objects.all()
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    return dict(rows.values_list("customer_id", "value_tier").iterator(chunk_size=20000))


def tier_totals() -> list[dict[str, Any]]:
    """Customers, lifetime value and historic value per tier, for the dashboards."""
    return list(
        CustomerStanding.objects.values("value_tier")
        .annotate(customers=Count("customer_id"), clv=Sum("clv"), value=Sum("historic_value"))
        .order_by("value_tier")
    )


def former_customer_ids() -> list[int]:
    """Customers known to have left (``former``: a contract ended, an account closed), not
    the ones merged into another record (those are ``former`` too, and never left)."""
    return list(
        Customer.objects.filter(lifecycle_status="former", merged_into__isnull=True)
        .values_list("pk", flat=True)
        .iterator(chunk_size=20000)
    )
