"""The walk-in: the one customer record anonymous store sales are placed for.

An order always has a customer (the timeline, returns, analytics and the cube all count on
it), so a sale to someone who gives no name goes to a single record the customers context
keeps under the external key ``lealtad:walk-in``, named as Ecuador's invoices name an
anonymous buyer ("Consumidor final"). It is created on the first walk-in sale
(:mod:`lealtad.commerce.services.walk_in`); docs/decisions explains the choice.
"""

from __future__ import annotations

from lealtad.core.envelope import CustomerRef
from lealtad.customers.selectors import references as customer_references

WALK_IN_SYSTEM = "lealtad"
WALK_IN_KEY = "walk-in"
WALK_IN_NAME = "Consumidor final"


def walk_in_ref() -> CustomerRef:
    return CustomerRef(external_ids={WALK_IN_SYSTEM: WALK_IN_KEY})


def walk_in_customer_id() -> int | None:
    """The walk-in record's id, or ``None`` before the first walk-in sale."""
    return customer_references.owner_of(walk_in_ref())
