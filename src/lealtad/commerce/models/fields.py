"""The field types commerce's models share."""

from __future__ import annotations

from typing import Any

from django.db import models


def money(verbose_name: Any = None, **kw: Any) -> models.DecimalField:
    """An amount to the cent (up to 999,999,999,999.99)."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kw)
