"""Commissions follow commerce and the service desk on the hub: orders placed (invoiced at
placing) and payments captured accrue, returns and RMAs claw back. See
:mod:`lealtad.sales.services.commissions` for what each message does."""

from __future__ import annotations

from collections.abc import Sequence

from lealtad.core import hub
from lealtad.sales.services import commissions

ACCRUING = (
    "order.placed",
    "payment.captured",
    "order.returned",
    "order.exchanged",
    "rma.received",
    "rma.resolved",
)


@hub.subscriber_many(*ACCRUING, name="sales.commissions")
def accrue_commissions(messages: Sequence[hub.Message]) -> None:
    """Once per message id, whatever the replays (the delivery and the accrual share the
    dispatcher's transaction)."""
    commissions.apply_messages(messages)
