"""Hub wiring of loyalty: the event types it publishes and the subscribers it runs
(points earned from ``order.placed``, reversed from ``order.returned``)."""

from __future__ import annotations
