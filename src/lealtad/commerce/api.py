"""HTTP API of the commerce context."""

from ninja import Router

router = Router(tags=["commerce"])
