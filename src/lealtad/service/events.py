"""Hub wiring of the service desk."""

from __future__ import annotations
