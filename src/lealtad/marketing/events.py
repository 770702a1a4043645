"""Hub wiring of marketing: the event types it publishes and the subscribers it runs.

Each area (segments, campaigns, responses, offers) registers its subscribers in its own
``services`` module; importing them here makes them register at start-up.
"""

from __future__ import annotations

from lealtad.marketing.services import (
    conversions,  # noqa: F401  (responses: orders attributed to campaigns)
    offer_surfaces,  # noqa: F401  (next-best-offer: the offers panel and 360 section)
    segment_feed,  # noqa: F401  (segments: audience and membership)
    send_job,  # noqa: F401  (campaigns: background send)
)
