"""Hub wiring of the privacy context.

It subscribes to no event: erasure calls each context's own service in one transaction, and
the customers context announces ``customer.erased`` (ids only) so outbound connectors can tell
the systems that received the person's data to erase their copies. The retention job rides on
the dispatcher as a before-pass hook (the project's ticker, docs/decisions/0001 and 0007).
"""

from __future__ import annotations

from lealtad.core import hub
from lealtad.privacy import retention

hub.before_pass(retention.tick)
