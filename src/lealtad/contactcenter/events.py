"""Hub wiring of the contact center: what it announces, and the 360 section it adds."""

from __future__ import annotations
