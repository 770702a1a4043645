"""Event types the channels context registers and the hub subscribers it runs.

* The connectors' event types no other context owns yet (``invoice.issued``,
  ``payment.received``, ``account.balance_reported``, ``stock.level_reported``,
  ``stock.reservation_requested``, ``shipment.requested``, ``shipment.status_reported``) are
  registered here unless another context registered them first; see
  :mod:`lealtad.channels.connectors.owned_events`.
* Outbound subscribers are not declared here: each :class:`~lealtad.channels.models.
  Subscription` row gets its own hub subscriber at run time
  (:func:`lealtad.channels.connectors.subscribers.sync`), so one failing destination never holds
  back another, and subscriptions come and go without a restart.
* The eraser of the person's data in external records, rejects and outbound files
  (:mod:`lealtad.channels.erasure`) is registered with the core, which the privacy context asks.
"""

from __future__ import annotations

from lealtad.channels import erasure
from lealtad.channels.connectors import subscribers
from lealtad.channels.connectors.owned_events import register_missing
from lealtad.core import erasers, hub

OWNED_HERE = tuple(register_missing())

# Keep every process's hub registry in step with the subscriptions table at the start of each
# dispatcher pass, so a subscription added in one process reaches all (docs/connectors.md).
hub.before_pass(subscribers.sync)

erasers.erases_copies("channels")(erasure.anonymize_customer_records)
