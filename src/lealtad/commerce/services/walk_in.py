"""The walk-in record, made when the first anonymous sale needs it (see
:mod:`lealtad.commerce.selectors.walk_in`)."""

from __future__ import annotations

from lealtad.commerce.selectors.walk_in import WALK_IN_NAME, walk_in_customer_id, walk_in_ref
from lealtad.commerce.services.common import SaleContext
from lealtad.customers import services as customer_services
from lealtad.customers.schemas import CustomerProfile


def walk_in_customer(ctx: SaleContext) -> int:
    """The walk-in record's id, created through the customers context the first time.

    Two first walk-in sales at once both try to create it: the key is unique there, so the
    second is refused and reads the one the first made."""
    found = walk_in_customer_id()
    if found is not None:
        return found
    profile = CustomerProfile(kind="organization", organization_name=WALK_IN_NAME)
    change = customer_services.ChangeContext(ctx.actor, ctx.event_id, ctx.channel)
    try:
        return customer_services.create_customer(profile, walk_in_ref(), change).pk
    except customer_services.IdentifierTaken:
        found = walk_in_customer_id()
        if found is None:
            raise
        return found
