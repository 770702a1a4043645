"""HTTP API for connectors: inbound webhooks and outbound subscriptions."""

from ninja import Router

router = Router(tags=["connectors"])
