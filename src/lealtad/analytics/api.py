"""The analytics API (``/api/v1/analytics``): thin routes over the selectors and services."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["analytics"])
