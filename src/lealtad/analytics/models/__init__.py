"""The analytics context's tables: one module per area, all re-exported here."""
from lealtad.analytics.models.scorecard import ScorecardTarget, TargetDirection  # noqa: F401
