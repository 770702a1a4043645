"""The analytics pages: dashboards, the customer-value page, the scorecard. Thin."""

from __future__ import annotations
