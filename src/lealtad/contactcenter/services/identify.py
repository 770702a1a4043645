"""Who is calling: the caller id or address through the customers context, never a guess.

One customer holding the number is linked; several (a shared landline) become the short list
the agent picks from; a number that cannot be one (a withheld id, "anonymous") is no one.
"""

from __future__ import annotations

from typing import Any

from lealtad.contactcenter.schemas import ContactIn
from lealtad.core.errors import DomainError
from lealtad.customers import selectors as customer_selectors
from lealtad.customers.selectors.standing import standing_of

SHORT_LIST = 5


def who_is(data: ContactIn) -> tuple[int | None, list[int]]:
    if data.customer_id is not None:
        return data.customer_id, []
    found: list[Any] = []
    try:
        if data.caller_id:
            found = customer_selectors.lookup(phone=data.caller_id)
        elif data.address and "@" in data.address:
            found = customer_selectors.lookup(email=data.address)
    except DomainError:
        found = []  # not a number or address anyone can hold: an unknown caller
    ids = [c.pk for c in found[:SHORT_LIST]]
    if len(ids) == 1:
        return ids[0], []
    return None, ids


def standing_for(customer_id: int | None) -> dict[str, Any]:
    """The tier, CLV and churn risk routing uses (a plain default before the first refresh)."""
    standing = standing_of(customer_id) if customer_id else None
    if not standing:
        return {"tier": "unknown", "clv": 0.0, "churn_risk": 0.0}
    return {
        "tier": standing.get("value_tier") or "unknown",
        "clv": float(standing.get("clv") or 0),
        "churn_risk": float(standing.get("churn_risk") or 0),
    }
